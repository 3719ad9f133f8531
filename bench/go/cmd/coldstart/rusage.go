package main

import "syscall"

// syscallRusage is what os.ProcessState.SysUsage holds on Linux.
type syscallRusage = syscall.Rusage
