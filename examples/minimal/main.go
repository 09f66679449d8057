// Command minimal embeds anythingllm-go in a program without wire and
// without a database server: an in-memory store and file store, an API key,
// and the stock HTTP API on a local port.
//
//	go run ./examples/minimal
//	curl -H "Authorization: Bearer <printed key>" http://127.0.0.1:3001/api/v1/auth
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/httpapi"
	"github.com/anythingllm-go/anythingllm/storage/blobstore"
	"github.com/anythingllm-go/anythingllm/storage/memstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3001", "address to listen on")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	app, err := anythingllm.New(anythingllm.Deps{
		Store:  memstore.New(),        // or bunstore.OpenDir(ctx, "./storage", nil)
		Blobs:  blobstore.NewMemory(), // or blobstore.NewFS("./storage", nil)
		Logger: logger,
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, key, err := app.CreateAPIKey(context.Background(), &anythingllm.CreateAPIKeyRequest{Name: "example"})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr) // -addr 127.0.0.1:0 picks a free port
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("API key: %s\nTry:     curl -H \"Authorization: Bearer %s\" http://%s/api/v1/auth\n", key, key, ln.Addr())
	log.Fatal(http.Serve(ln, httpapi.NewServer(app, nil)))
}
