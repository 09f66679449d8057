package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

func runUsers(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "users", "enable-multi-user --username NAME --password PASS | create --username NAME --password PASS [--role R] | list",
		"Multi-user mode. 'enable-multi-user' creates the first admin and turns the mode on (a running\nserver sees it at once). Containers can set ANYTHINGLLM_ADMIN_USERNAME and\nANYTHINGLLM_ADMIN_PASSWORD instead: 'serve' then does the same at start if the mode is off.")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "enable-multi-user":
		sfs := newFlags(e, "users enable-multi-user", "--username NAME --password PASS", "Create the first admin and turn multi-user mode on.")
		name := sfs.String("username", "", "the admin's username (lower-case letters, digits, . _ @ -)")
		pass := sfs.String("password", "", "the admin's password (at least 8 characters); default $ANYTHINGLLM_ADMIN_PASSWORD")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		if *pass == "" {
			*pass = os.Getenv("ANYTHINGLLM_ADMIN_PASSWORD")
		}
		if *name == "" || *pass == "" {
			sfs.Usage()
			return errUsage
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			u, err := app.EnableMultiUser(ctx, *name, *pass)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "multi-user mode enabled; admin %q has id %d\n", u.Username, u.ID)
			return nil
		})
	case "create":
		sfs := newFlags(e, "users create", "--username NAME --password PASS [--role default|manager|admin]", "Create a user (multi-user mode must be on).")
		name := sfs.String("username", "", "the username (lower-case letters, digits, . _ @ -)")
		pass := sfs.String("password", "", "the password (8-250 characters)")
		role := sfs.String("role", "default", "default, manager or admin")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		if *name == "" || *pass == "" {
			sfs.Usage()
			return errUsage
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			u, err := app.CreateUser(ctx, &anythingllm.NewUserRequest{Username: *name, Password: *pass, Role: *role})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "user %q (%s) has id %d\n", u.Username, u.Role, u.ID)
			return nil
		})
	case "list":
		sfs := newFlags(e, "users list", "", "List users.")
		if err := parse(e, sfs, rest); err != nil {
			return err
		}
		return withApp(ctx, e, func(app *anythingllm.App) error {
			users, err := app.ListUsers(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tSUSPENDED")
			for _, u := range users {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\n", u.ID, u.Username, u.Role, u.Suspended)
			}
			return tw.Flush()
		})
	}
	fs.Usage()
	return errUsage
}

// bootstrapAdmin enables multi-user mode from the environment at start.
func bootstrapAdmin(ctx context.Context, app *anythingllm.App, cfg *Config) error {
	name, pass := cfg.Env("ANYTHINGLLM_ADMIN_USERNAME"), cfg.Env("ANYTHINGLLM_ADMIN_PASSWORD")
	if name == "" || pass == "" {
		return nil
	}
	if on, err := app.MultiUserMode(ctx); err != nil || on {
		return err
	}
	_, err := app.EnableMultiUser(ctx, name, pass)
	return err
}
