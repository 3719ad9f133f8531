/* Internal: CRC-32 (lib/util/crc32.c), the checksum of DynamoDB's
 * x-amz-crc32 response header. */
#ifndef DDBXO_LIB_CRC32_H
#define DDBXO_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* zlib-compatible CRC-32: start with crc = 0, feed chunks in order. */
uint32_t ddbxo__crc32(uint32_t crc, const void *data, size_t len);

#endif
