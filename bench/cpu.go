package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: 100 on every
// Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const userHZ = 100

// cpuTime returns the user plus system CPU time that process pid has used,
// from /proc; false where there is no /proc (not Linux) or pid is gone.
func cpuTime(pid int) (time.Duration, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name in parentheses may contain spaces; fields are
	// counted after it, starting with the state (field 3 of proc(5)).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// pid returns the process id of the MariaDB server when it runs on this
// machine and its pid file is readable, else 0. Its CPU time is the other
// half of what a request costs.
func (m *mariadb) pid(ctx context.Context) int {
	if m.cfg.Net == "tcp" {
		host, _, err := net.SplitHostPort(m.cfg.Addr)
		if err != nil || !(host == "localhost" || net.ParseIP(host).IsLoopback()) {
			return 0
		}
	}
	var file string
	if err := m.db.QueryRowContext(ctx, "SELECT @@pid_file").Scan(&file); err != nil {
		return 0
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	if _, ok := cpuTime(pid); !ok {
		return 0
	}
	return pid
}

// cpuUse is the CPU time the processes involved spent over a measurement;
// -1 where it could not be read.
type cpuUse struct {
	server, mariadb, load time.Duration
}

// cpuMeter samples the CPU time of the server under test, of MariaDB and of
// this process (the load generator).
type cpuMeter struct {
	pids [3]int
}

func (c cpuMeter) sample() [3]time.Duration {
	var s [3]time.Duration
	for i, pid := range c.pids {
		if t, ok := cpuTime(pid); ok {
			s[i] = t
		} else {
			s[i] = -1
		}
	}
	return s
}

func (c cpuMeter) since(before [3]time.Duration) cpuUse {
	after := c.sample()
	d := func(i int) time.Duration {
		if before[i] < 0 || after[i] < 0 {
			return -1
		}
		return after[i] - before[i]
	}
	return cpuUse{server: d(0), mariadb: d(1), load: d(2)}
}
