package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/anythingllm-go/anythingllm/jobs"
)

const jobsUsage = `Usage: anythingllm jobs <job> [options]

Jobs:
  cleanup-orphan-documents [--batch-size 500] [--dry-run]
        delete the files in direct-uploads that no record references
  sync-watched-documents [--max-documents N] [--dry-run] [--force]
        fetch watched documents again and re-embed the changed ones
  scheduler [--cleanup-schedule "0 2 * * *"] [--sync-interval 300]
        run both on a schedule until stopped (each job on one replica at a time)

A job exits non-zero only when it could not run; per-document failures are
counted in its summary line.`

func runJobs(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, jobsUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, jobsUsage)
		return flag.ErrHelp
	case jobs.CleanupJobName:
		return runCleanupJob(ctx, e, args[1:])
	case jobs.SyncJobName:
		return runSyncJob(ctx, e, args[1:])
	case "scheduler":
		return runSchedulerJob(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "anythingllm jobs: unknown job %q\n\n%s\n", args[0], jobsUsage)
	return errUsage
}

// jobApp builds the App a job runs on (no index load: the job writes
// through the store, and every serve process follows the change log).
func jobApp(ctx context.Context, e *env) (*anythingllm.App, func(), *slog.Logger, error) {
	cfg, err := loadConfig(e.envFile)
	if err != nil {
		return nil, nil, nil, err
	}
	log := cfg.logger(e.stderr)
	app, cleanup, err := initApp(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return app, cleanup, log, nil
}

func runCleanupJob(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "jobs "+jobs.CleanupJobName, "[--batch-size 500] [--dry-run]", "Delete the files in STORAGE_DIR/direct-uploads that no record references (the documents library is\nnever touched). --dry-run lists them and deletes nothing.")
	batch := fs.Int("batch-size", jobs.DefaultBatchSize, "entries deleted per batch")
	dry := fs.Bool("dry-run", false, "list the orphans, delete nothing")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	app, cleanup, _, err := jobApp(ctx, e)
	if err != nil {
		return err
	}
	defer cleanup()
	sum, err := jobs.CleanupOrphanDocuments(ctx, app, &jobs.CleanupOptions{BatchSize: *batch, DryRun: *dry,
		Progress: func(done, total int, en jobs.OrphanEntry) {
			state := "would delete"
			switch {
			case en.Error != "":
				state = "failed: " + en.Error
			case en.Deleted:
				state = "deleted"
			}
			fmt.Fprintf(e.stdout, "[%d/%d] %s (%d bytes) %s\n", done, total, en.Name, en.Bytes, state)
		}})
	if sum != nil {
		fmt.Fprintln(e.stdout, sum.String())
	}
	return err
}

func runSyncJob(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "jobs "+jobs.SyncJobName, "[--max-documents N] [--dry-run] [--force]", "Fetch every stale watched document from its source again; re-embed the changed ones in every\nworkspace holding them. --force syncs every watched document now; --dry-run says what it would do.")
	maxDocs := fs.Int("max-documents", 0, "handle at most N documents (0: all)")
	dry := fs.Bool("dry-run", false, "fetch and compare, change nothing")
	force := fs.Bool("force", false, "sync every watched document, stale or not")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	app, cleanup, _, err := jobApp(ctx, e)
	if err != nil {
		return err
	}
	defer cleanup()
	sum, err := jobs.SyncWatchedDocuments(ctx, app, &jobs.SyncOptions{MaxDocuments: *maxDocs, DryRun: *dry, Force: *force,
		Progress: func(done, total int, it jobs.SyncItem) { printSyncItem(e.stdout, done, total, it) }})
	if sum != nil {
		fmt.Fprintln(e.stdout, sum.String())
	}
	return err
}

func printSyncItem(w io.Writer, done, total int, it jobs.SyncItem) {
	line := fmt.Sprintf("[%d/%d] %s: %s", done, total, it.Docpath, it.Action)
	if len(it.WorkspacesModified) > 0 {
		line += fmt.Sprintf(" in %v", it.WorkspacesModified)
	}
	if it.Reason != "" {
		line += " (" + it.Reason + ")"
	}
	fmt.Fprintln(w, line)
}

func runSchedulerJob(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "jobs scheduler", `[--cleanup-schedule "0 2 * * *"] [--sync-interval 300]`, "Run cleanup-orphan-documents on a cron line (UTC) and sync-watched-documents every interval until\nSIGINT/SIGTERM. With several replicas each job runs on one of them at a time.")
	cron := fs.String("cleanup-schedule", jobs.DefaultCleanupSchedule, "cron line (UTC) of the cleanup job")
	interval := fs.Int("sync-interval", int(jobs.DefaultSyncInterval/time.Second), "seconds between sync runs")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	app, cleanup, log, err := jobApp(ctx, e)
	if err != nil {
		return err
	}
	defer cleanup()
	sc, err := startScheduler(app, log, *cron, *interval)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "scheduler running: cleanup %q, sync every %ds; stop with Ctrl-C\n", *cron, *interval)
	<-ctx.Done()
	return sc.Shutdown()
}

func startScheduler(app *anythingllm.App, log *slog.Logger, cron string, intervalSeconds int) (*jobs.Scheduler, error) {
	if intervalSeconds <= 0 {
		return nil, fmt.Errorf("--sync-interval must be a positive number of seconds")
	}
	sc, err := jobs.NewScheduler(app, &jobs.SchedulerOptions{CleanupSchedule: cron, SyncInterval: time.Duration(intervalSeconds) * time.Second, Logger: log})
	if err != nil {
		return nil, err
	}
	sc.Start()
	return sc, nil
}

// serveJobs starts the scheduler inside serve when JOBS_ENABLED is set
// (JOBS_CLEANUP_SCHEDULE and JOBS_SYNC_INTERVAL override the defaults); the
// returned stop is a no-op otherwise.
func serveJobs(app *anythingllm.App, log *slog.Logger, getenv func(string) string) (stop func(), err error) {
	switch getenv("JOBS_ENABLED") {
	case "", "0", "false", "no", "off":
		return func() {}, nil
	}
	cron := getenv("JOBS_CLEANUP_SCHEDULE")
	if cron == "" {
		cron = jobs.DefaultCleanupSchedule
	}
	interval := atoi(getenv("JOBS_SYNC_INTERVAL"))
	if interval == 0 {
		interval = int(jobs.DefaultSyncInterval / time.Second)
	}
	sc, err := startScheduler(app, log, cron, interval)
	if err != nil {
		return nil, fmt.Errorf("starting the jobs scheduler (JOBS_ENABLED): %w", err)
	}
	log.Info("jobs scheduler running", "cleanup_schedule", cron, "sync_interval_seconds", interval)
	return func() { _ = sc.Shutdown() }, nil
}
