// bench_simdjson: the anchor row of `make bench` (issue #16): how fast a
// general-purpose SIMD JSON parser (simdjson, Debian's libsimdjson-dev,
// DOM API) reads the same event.  A bare parse: no typed-value checks, no
// dedup key.  Bench-only; never linked into the library.
//
//   bench_simdjson parse REPS ITERS FILE
//
// One warm-up, then REPS timed repetitions of ITERS parses; prints the
// same JSON line as bench_c (CPU and wall microseconds per record).
#include <simdjson.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static double cpu_us()
{
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static double wall_us()
{
    using namespace std::chrono;
    return duration<double, std::micro>(steady_clock::now().time_since_epoch()).count();
}

// One DOM parse of the whole document; the number of records it holds.
static size_t parse_once(simdjson::dom::parser &p, const simdjson::padded_string &doc)
{
    simdjson::dom::array recs;
    auto err = p.parse(doc)["Records"].get(recs);
    if (err) {
        std::fprintf(stderr, "bench_simdjson: %s\n", simdjson::error_message(err));
        std::exit(1);
    }
    return recs.size();
}

int main(int argc, char **argv)
{
    if (argc < 5 || std::strcmp(argv[1], "parse") != 0) {
        std::fprintf(stderr, "usage: bench_simdjson parse REPS ITERS FILE\n");
        return 2;
    }
    int reps = std::atoi(argv[2]), iters = std::atoi(argv[3]);
    simdjson::padded_string doc;
    if (auto err = simdjson::padded_string::load(argv[4]).get(doc)) {
        std::fprintf(stderr, "bench_simdjson: %s: %s\n", argv[4], simdjson::error_message(err));
        return 1;
    }
    simdjson::dom::parser p;
    parse_once(p, doc); // warm-up: the parser allocates its buffers once
    std::vector<double> cpu, wall;
    for (int r = 0; r < reps; r++) {
        double c0 = cpu_us(), w0 = wall_us();
        size_t recs = 0;
        for (int i = 0; i < iters; i++)
            recs += parse_once(p, doc);
        cpu.push_back((cpu_us() - c0) / (double)recs);
        wall.push_back((wall_us() - w0) / (double)recs);
    }
    std::printf("{\"name\":\"simdjson-parse\",\"unit\":\"us/record\",\"version\":\"%d.%d.%d\","
                "\"implementation\":\"%s\",\"cpu_us\":[",
                simdjson::SIMDJSON_VERSION_MAJOR, simdjson::SIMDJSON_VERSION_MINOR,
                simdjson::SIMDJSON_VERSION_REVISION,
                simdjson::get_active_implementation()->name().c_str());
    for (size_t i = 0; i < cpu.size(); i++)
        std::printf("%s%.4f", i ? "," : "", cpu[i]);
    std::printf("],\"wall_us\":[");
    for (size_t i = 0; i < wall.size(); i++)
        std::printf("%s%.4f", i ? "," : "", wall[i]);
    std::printf("]}\n");
    return 0;
}
