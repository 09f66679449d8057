// Command anythingllm is the stock anythingllm-go server: AnythingLLM's
// developer API in one static binary.
//
//	anythingllm serve               start the server (SERVER_PORT, default 3001)
//	anythingllm apikey create       make an API key (printed once, on stdout)
//	anythingllm apikey list|revoke  manage keys
//	anythingllm migrate             bring the database schema up to date
//	anythingllm jobs JOB            cleanup-orphan-documents, sync-watched-documents, scheduler
//	anythingllm vectors reindex     rebuild an external vector engine from the database
//	anythingllm version             print the version
//
// Configuration comes from the environment with AnythingLLM's names
// (STORAGE_DIR, SERVER_PORT, LLM_PROVIDER, ...) and an optional .env file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// env is what every command gets.
type env struct {
	stdout, stderr io.Writer
	envFile        string
}

// command is one subcommand. To add one, add an entry to commands; run
// receives the arguments after the command name.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{
	"serve":   {"start the HTTP server", runServe},
	"migrate": {"create or update the database schema, then exit", runMigrate},
	"apikey":  {"create, list or revoke API keys (create prints the key on stdout)", runAPIKey},
	"version": {"print the version", runVersion},
	"users":   {"enable multi-user mode, create and list users", runUsers},
	"blobs":   {"copy every blob root from one blob store to another (BLOB_STORE values)", runBlobs},
	"jobs":    {"run a background job: cleanup-orphan-documents, sync-watched-documents, scheduler", runJobs},
	"vectors": {"reindex: rebuild the vector engine (pgvector, weaviate) from the database", runVectors},
}

// errUsage marks errors that were already explained with usage text.
var errUsage = errors.New("usage error")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("anythingllm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&e.envFile, "env-file", "", "read settings from this .env file (default: ./.env if present)")
	fs.Usage = func() { usage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, fs)
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		usage(stderr, fs)
		return 2
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			if _, ok := commands[rest[1]]; ok {
				return run(ctx, append([]string{rest[1], "--help"}, []string{}...), stdout, stderr)
			}
		}
		usage(stdout, fs)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "anythingllm: unknown command %q\n\n", name)
		usage(stderr, fs)
		return 2
	}
	if err := cmd.run(ctx, e, rest[1:]); err != nil {
		switch {
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(stderr, "anythingllm %s: %v\n", name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "anythingllm %s: AnythingLLM's developer API in one binary.\n\nUsage:\n  anythingllm [--env-file FILE] <command> [options]\n\nCommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "show help for a command")
	fmt.Fprintf(w, "\nGlobal options:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nConfiguration is read from the environment (STORAGE_DIR, SERVER_PORT, DATABASE_URL, ...); see README.md.\nRun 'anythingllm <command> --help' for a command's options.\n")
}

// newFlags makes a command's flag set with a usage line.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("anythingllm "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: anythingllm %s %s\n\n%s\n", name, args, about)
		if hasFlags(fs) {
			fmt.Fprintf(fs.Output(), "\nOptions:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags; --help prints usage on stdout and ends the command.
// The flag package itself prints the usage (on stderr) for --help and for
// errors; that is turned off here so it is printed exactly once: on stdout
// for --help, after the error message on stderr otherwise.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		fs.Usage()
		return errUsage
	}
	return nil
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the version.")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, version)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "", "Create or update the database schema (SQLite in STORAGE_DIR, or DATABASE_URL), then exit.\nThe server also migrates when it starts; running both at once is safe.")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, st, err := configAndStore(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stderr, "database %s is up to date\n", cfg.databaseLabel())
	return nil
}
