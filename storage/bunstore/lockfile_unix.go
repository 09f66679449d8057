//go:build unix

package bunstore

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock without waiting; errLocked if another
// open file holds it. The kernel drops it when the file is closed, also
// when the process dies.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
