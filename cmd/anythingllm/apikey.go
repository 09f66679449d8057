package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func runAPIKey(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "apikey", "create [--name NAME] | list | revoke ID",
		"Manage developer API keys. 'create' prints the new key alone on the last line of stdout;\nonly its hash is stored, so it cannot be shown again. Works while the server runs.")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "create":
		sfs := newFlags(e, "apikey create", "[--name NAME]", "Create an API key and print it on stdout.")
		name := sfs.String("name", "", "a label for the key")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			k, secret, err := app.CreateAPIKey(ctx, &anythingllm.CreateAPIKeyRequest{Name: *name})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "created API key %d; it is shown only once:\n", k.ID)
			fmt.Fprintln(e.stdout, secret)
			return nil
		})
	case "list":
		sfs := newFlags(e, "apikey list", "", "List API keys (id, name, first characters, created).")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			keys, err := app.ListAPIKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED")
			for _, k := range keys {
				name := "-"
				if k.Name != nil {
					name = *k.Name
				}
				fmt.Fprintf(tw, "%d\t%s\t%s-...\t%s\n", k.ID, name, k.Prefix, k.CreatedAt.Format("2006-01-02 15:04:05Z"))
			}
			return tw.Flush()
		})
	case "revoke":
		sfs := newFlags(e, "apikey revoke", "ID", "Delete the API key with that id (see 'apikey list').")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		if sfs.NArg() != 1 {
			sfs.Usage()
			return errUsage
		}
		id, err := strconv.ParseInt(sfs.Arg(0), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("ID must be a key id from 'apikey list', got %q", sfs.Arg(0))
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			if err := app.RevokeAPIKey(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "revoked API key %d\n", id)
			return nil
		})
	}
	fs.Usage()
	return errUsage
}

// withApp builds the App from the configuration for a CLI command.
func withApp(ctx context.Context, e *env, fn func(*anythingllm.App) error) error {
	cfg, err := loadConfig(e.envFile)
	if err != nil {
		return err
	}
	app, cleanup, err := initApp(ctx, cfg, cfg.logger(io.Discard))
	if err != nil {
		return err
	}
	defer cleanup()
	return fn(app)
}
