// Command fakeopenai runs the fake OpenAI server on loopback for end-to-end
// tests and prints its base URL on stdout.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/anythingllm-go/anythingllm/providers/providertest/fakeopenai"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	models := flag.String("models", "fake-model", "comma-separated model ids")
	delay := flag.Duration("chunk-delay", 0, "pause between streamed chunks")
	flag.Parse()
	fake := fakeopenai.New(&fakeopenai.Options{Models: strings.Split(*models, ","), ChunkDelay: *delay})
	fake.Close() // only its handler is used, on our own listener
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s/v1\n", ln.Addr())
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
