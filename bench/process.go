package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// stopTimeout is how long a server may drain after SIGINT before it is killed.
const stopTimeout = 15 * time.Second

// proc is a server running as a subprocess. Its output goes to our stderr:
// both servers log errors only, so anything there is worth seeing, until
// the run is interrupted.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // what Wait returned; read it after done
}

// startProc starts path with args and env (the whole environment). The
// process is not tied to ctx: stop ends it, so that it can drain.
func startProc(ctx context.Context, name string, env []string, path string, args ...string) (*proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	out := quietAfter{ctx: ctx, w: os.Stderr}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop interrupts the server, as Ctrl-C would, and kills it if it has not
// exited within stopTimeout. It returns how the process ended.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt) // fails only if it has just exited
	select {
	case <-p.done:
		return p.err
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %s and was killed", p.name, stopTimeout)
	}
}

// quietAfter writes to w until ctx ends, then drops what it is given: once
// the run is interrupted, a server's complaints about requests cut short
// are noise.
type quietAfter struct {
	ctx context.Context
	w   io.Writer
}

func (q quietAfter) Write(p []byte) (int, error) {
	if q.ctx.Err() != nil {
		return len(p), nil
	}
	return q.w.Write(p)
}

// waitReady polls url until it answers 200, the process exits, ctx ends or
// timeout passes.
func (p *proc) waitReady(ctx context.Context, client *http.Client, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v", p.name, p.err)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w (last: %v)", p.name, url, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// freeAddr returns a loopback address with a port nobody listens on now.
// Someone could take it before the server does; saasd takes an address,
// not a listener, and on a bench machine the race is not worth more code.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
