package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// Job names; each is also its Locker name with the "jobs:" prefix.
const (
	CleanupJobName = "cleanup-orphan-documents"
	SyncJobName    = "sync-watched-documents"
)

// Scheduler defaults.
const (
	DefaultCleanupSchedule = "0 2 * * *"
	DefaultSyncInterval    = 300 * time.Second
)

// SchedulerOptions tune NewScheduler. A nil *SchedulerOptions means the
// defaults.
type SchedulerOptions struct {
	// CleanupSchedule is the cron line (UTC) of the cleanup job; default
	// "0 2 * * *". "-" leaves the job out.
	CleanupSchedule string
	// SyncInterval is the pause between sync runs; default 300 s;
	// negative leaves the job out.
	SyncInterval time.Duration
	// Locker keeps each job to one process at a time; default the App's
	// store when it is an anythingllm.Locker, else none (one process).
	Locker anythingllm.Locker
	// Clock drives the schedule; default the real clock. Tests pass a
	// clockwork.FakeClock and advance it.
	Clock clockwork.Clock
	// Logger gets a line per run and per skip; default the App's.
	Logger *slog.Logger
	// Cleanup and Sync are the jobs' options.
	Cleanup *CleanupOptions
	Sync    *SyncOptions
	// Observe, when set, is told about every tick: whether this process
	// ran the job (false: another holds its lock) and how it ended.
	Observe func(job string, ran bool, err error)
}

// Job is a scheduled piece of work.
type Job struct {
	Name string
	// Cron is a five-field cron line (UTC); or else Interval.
	Cron     string
	Interval time.Duration
	Run      func(ctx context.Context) error
}

// Scheduler runs jobs on gocron/v2, each under the Locker.
type Scheduler struct {
	app  *anythingllm.App
	opts SchedulerOptions
	s    gocron.Scheduler
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// NewScheduler builds a scheduler with the cleanup and sync jobs. Start
// it with Start; Shutdown stops it and waits for running jobs.
func NewScheduler(app *anythingllm.App, opts *SchedulerOptions) (*Scheduler, error) {
	var o SchedulerOptions
	if opts != nil {
		o = *opts
	}
	if o.CleanupSchedule == "" {
		o.CleanupSchedule = DefaultCleanupSchedule
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.Locker == nil {
		if l, ok := app.Store().(anythingllm.Locker); ok {
			o.Locker = l
		}
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = app.Logger()
	}
	gs, err := gocron.NewScheduler(gocron.WithClock(o.Clock), gocron.WithLocation(time.UTC))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "creating the job scheduler failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &Scheduler{app: app, opts: o, s: gs, ctx: ctx, stop: cancel}
	if o.CleanupSchedule != "-" {
		err := sc.Add(Job{Name: CleanupJobName, Cron: o.CleanupSchedule, Run: func(ctx context.Context) error {
			sum, err := CleanupOrphanDocuments(ctx, app, o.Cleanup)
			if sum != nil {
				o.Logger.Info(sum.String())
			}
			return err
		}})
		if err != nil {
			_ = gs.Shutdown()
			return nil, err
		}
	}
	if o.SyncInterval > 0 {
		err := sc.Add(Job{Name: SyncJobName, Interval: o.SyncInterval, Run: func(ctx context.Context) error {
			sum, err := SyncWatchedDocuments(ctx, app, o.Sync)
			if sum != nil && !sum.Disabled {
				o.Logger.Info(sum.String())
			}
			return err
		}})
		if err != nil {
			_ = gs.Shutdown()
			return nil, err
		}
	}
	return sc, nil
}

// Add schedules one more job, under the Locker like the others.
func (sc *Scheduler) Add(j Job) error {
	var def gocron.JobDefinition
	switch {
	case j.Cron != "":
		def = gocron.CronJob(j.Cron, false)
	case j.Interval > 0:
		def = gocron.DurationJob(j.Interval)
	default:
		return anythingllm.Errorf(anythingllm.InvalidArgument, "job %s has neither a cron line nor an interval", j.Name)
	}
	_, err := sc.s.NewJob(def, gocron.NewTask(func() { sc.tick(j) }),
		gocron.WithName(j.Name), gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		return anythingllm.WrapError(anythingllm.InvalidArgument, err, "job %s: %s", j.Name, err.Error())
	}
	return nil
}

// tick runs a job once if this process gets its lock.
func (sc *Scheduler) tick(j Job) {
	sc.wg.Add(1)
	defer sc.wg.Done()
	ctx := sc.ctx
	ran, err := RunLocked(ctx, sc.opts.Locker, j.Name, j.Run)
	switch {
	case !ran && err == nil:
		sc.opts.Logger.Debug("job skipped: another process runs it", "job", j.Name)
	case err != nil:
		sc.opts.Logger.Error("job failed", "job", j.Name, "err", err)
	}
	if sc.opts.Observe != nil {
		sc.opts.Observe(j.Name, ran, err)
	}
}

// RunLocked runs fn under the lock "jobs:<name>" of locker (nil: no lock).
// ran is false, with no error, when another holder has the lock.
func RunLocked(ctx context.Context, locker anythingllm.Locker, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	if locker != nil {
		unlock, ok, err := locker.TryLock(ctx, "jobs:"+name)
		if err != nil {
			return false, fmt.Errorf("taking the %s lock: %w", name, err)
		}
		if !ok {
			return false, nil
		}
		defer func() {
			if uerr := unlock(); uerr != nil && err == nil {
				err = uerr
			}
		}()
	}
	return true, fn(ctx)
}

// Start starts the schedule.
func (sc *Scheduler) Start() { sc.s.Start() }

// Shutdown stops the schedule, cancels running jobs and waits for them.
func (sc *Scheduler) Shutdown() error {
	sc.stop()
	err := sc.s.Shutdown()
	sc.wg.Wait()
	if errors.Is(err, gocron.ErrStopSchedulerTimedOut) {
		return nil
	}
	return err
}
