//go:build !unix && !windows

package bunstore

import (
	"os"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func lockFile(*os.File) error {
	return anythingllm.Errorf(anythingllm.Unimplemented, "file locks are not supported on this system")
}

func unlockFile(*os.File) error { return nil }
