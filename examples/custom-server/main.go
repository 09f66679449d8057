// Command custom-server builds the stock anythingllm-go API from chosen
// parts with a google/wire injector (wire.go; wire_gen.go is generated):
// SQLite through bunstore, files on disk, the flatvec index, the offline
// embedder and any OpenAI-compatible chat model. Around the API it adds a
// custom route (GET /healthz) and a middleware (request log and an
// X-Served-By header).
//
//	GENERIC_OPEN_AI_BASE_PATH=http://127.0.0.1:8080/v1 go run ./examples/custom-server -storage ./storage
//
// After changing wire.go or a provider's signature, regenerate with
//
//	go tool wire ./examples/custom-server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3001", "address to listen on")
	storage := flag.String("storage", "./storage", "directory for the database and files")
	flag.Parse()
	cfg := Config{
		StorageDir:    *storage,
		OpenAIBaseURL: os.Getenv("GENERIC_OPEN_AI_BASE_PATH"),
		OpenAIKey:     os.Getenv("OPEN_AI_KEY"),
		Model:         os.Getenv("OPEN_MODEL_PREF"),
		APIKey:        os.Getenv("ANYTHINGLLM_API_KEY"),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	err = run(ctx, cfg, ln, func(srv *Server, url string) error {
		if cfg.APIKey != "" {
			fmt.Printf("Serving %s (API key from ANYTHINGLLM_API_KEY)\n", url)
			return nil
		}
		_, key, err := srv.App.CreateAPIKey(ctx, &anythingllm.CreateAPIKeyRequest{Name: "custom-server"})
		if err != nil {
			return err
		}
		fmt.Printf("Serving %s\nAPI key: %s\n", url, key)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

// run builds the server, loads the vector index from the database, calls
// started and serves on ln until ctx ends.
func run(ctx context.Context, cfg Config, ln net.Listener, started func(srv *Server, url string) error) error {
	srv, cleanup, err := initServer(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer cleanup()
	if _, err := srv.App.LoadVectorIndex(ctx); err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: srv.Handler}
	go func() {
		<-ctx.Done()
		_ = hs.Shutdown(context.WithoutCancel(ctx))
	}()
	if err := started(srv, "http://"+ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
