/*-------------------------------------------------------------------------
 *
 * key_command.c
 *	  eckid.key_command: the local derivation key from a shell command's
 *	  standard output (key_command.h), for keys kept in a secrets manager,
 *	  systemd-creds or a file outside the data directory.
 *
 * Why an own fork and exec rather than core's OpenPipeStream() (popen()),
 * which runs ssl_passphrase_command: popen() gives no process id, so a
 * command that hangs could neither be timed out nor killed, and its
 * standard error would go to the server's stderr unattributed.  Here the
 * command runs in a process group of its own, so that a timeout kills
 * whatever it started; its standard output is read into locked memory and
 * wiped; its standard error is kept (up to ERR_MAX bytes) for the server
 * log only, since a failing command may well print what it tried to read.
 *
 * A cancel or a terminate ends the wait within a second (poll()'s slice):
 * the command's process group is killed and reaped first, and what it
 * printed wiped, so that no command is left behind holding a pipe with the
 * key in it.  Otherwise the wait lasts at most eckid.key_command_timeout.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "key_command.h"
#include "secrets.h"

/* Output beyond a key and its newline is junk; this much is read at most. */
#define OUT_MAX		256
/* Of the command's standard error, this much goes to the log. */
#define ERR_MAX		4096

static int64
NowMs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A cancel or a terminate that CHECK_FOR_INTERRUPTS() would act on now.
 * Other interrupts (a barrier, a memory-context dump) are left for later:
 * they are no reason to kill the command.
 */
static bool
CancelRequested(void)
{
	return INTERRUPTS_CAN_BE_PROCESSED() &&
		(ProcDiePending || (QueryCancelPending && QueryCancelHoldoffCount == 0));
}

/*
 * In the child, between fork() and exec(): only async-signal-safe calls.
 * It keeps standard input (/dev/null), output and error only.
 * The backend ignores SIGPIPE and may block signals; an exec'd program
 * keeps both, so they are reset first, as core's OpenPipeStream() does.
 */
static void
ExecCommand(const char *command, int out_fd, int err_fd)
{
	sigset_t	none;
	int			null_fd;

	(void) setpgid(0, 0);
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);
	(void) signal(SIGPIPE, SIG_DFL);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
		dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);

	/*
	 * Nothing else of the backend's: its client socket, data files and the
	 * postmaster's pipe are none of the command's business (popen() would
	 * pass them on).  close_range() is one system call; where the kernel
	 * lacks it, close them one by one.
	 */
	if (close_range(STDERR_FILENO + 1, ~0U, 0) != 0)
	{
		long		max_fd = sysconf(_SC_OPEN_MAX);

		for (long fd = STDERR_FILENO + 1; fd < (max_fd > 0 ? max_fd : 1024); fd++)
			(void) close((int) fd);
	}
	execl("/bin/sh", "sh", "-c", command, (char *) NULL);
	_exit(127);
}

/* Close a pipe end once, marking it closed. */
static void
CloseFd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* See key_command.h. */
void
eckid_run_key_command(const char *command, int timeout_s, uint8_t key[LOCAL_KEY_BYTES])
{
	int			out_pipe[2];
	int			err_pipe[2];
	uint8_t    *out;
	size_t		out_len = 0;
	bool		out_overflow = false;
	StringInfoData err;
	pid_t		pid;
	int			status = 0;
	bool		timed_out = false;
	bool		interrupted = false;
	bool		exited = false;
	int64		deadline = NowMs() + (int64) timeout_s * 1000;
	bool		valid;

	out = sodium_malloc(OUT_MAX);
	if (out == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not allocate locked memory for the local derivation key.")));
	if (pipe2(out_pipe, O_CLOEXEC) != 0)
	{
		sodium_free(out);
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create pipe for eckid.key_command: %m")));
	}
	if (pipe2(err_pipe, O_CLOEXEC) != 0)
	{
		int			save_errno = errno;

		close(out_pipe[0]);
		close(out_pipe[1]);
		sodium_free(out);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create pipe for eckid.key_command: %m")));
	}
	initStringInfo(&err);

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		ExecCommand(command, out_pipe[1], err_pipe[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (pid < 0)
	{
		int			save_errno = errno;

		close(out_pipe[0]);
		close(err_pipe[0]);
		sodium_free(out);
		errno = save_errno;
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not start eckid.key_command: %m")));
	}
	/* also here, so that a kill before the child's setpgid() finds it */
	(void) setpgid(pid, pid);

	/*
	 * Read both pipes until both are closed: a command that fills one pipe
	 * while we wait on the other would otherwise never finish.
	 */
	{
		int			out_fd = out_pipe[0];
		int			err_fd = err_pipe[0];

		while (out_fd >= 0 || err_fd >= 0)
		{
			struct pollfd fds[2];
			int			nfds = 0;
			int64		left = deadline - NowMs();

			if (left <= 0)
			{
				timed_out = true;
				break;
			}
			if (CancelRequested())
			{
				interrupted = true;
				break;
			}
			if (out_fd >= 0)
				fds[nfds++] = (struct pollfd) {.fd = out_fd,.events = POLLIN};
			if (err_fd >= 0)
				fds[nfds++] = (struct pollfd) {.fd = err_fd,.events = POLLIN};
			if (poll(fds, nfds, (int) Min(left, 1000)) < 0)
			{
				if (errno == EINTR)
					continue;
				timed_out = true;	/* cannot wait: treat as hung */
				break;
			}
			for (int i = 0; i < nfds; i++)
			{
				char		scratch[512];
				ssize_t		n;
				bool		is_out = fds[i].fd == out_fd;

				if (fds[i].revents == 0)
					continue;
				n = read(fds[i].fd, scratch, sizeof(scratch));
				if (n < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (n <= 0)
				{
					if (is_out)
						CloseFd(&out_fd);
					else
						CloseFd(&err_fd);
					continue;
				}
				if (is_out)
				{
					size_t		take = Min((size_t) n, OUT_MAX - out_len);

					memcpy(out + out_len, scratch, take);
					out_len += take;
					if (take < (size_t) n)
						out_overflow = true;
				}
				else if (err.len < ERR_MAX)
					appendBinaryStringInfo(&err, scratch, Min((int) n, ERR_MAX - err.len));
				sodium_memzero(scratch, sizeof(scratch));
			}
		}
		CloseFd(&out_fd);
		CloseFd(&err_fd);
	}

	/* The pipes are closed; the command should be gone or about to be. */
	while (!timed_out && !interrupted)
	{
		pid_t		r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
		{
			exited = true;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (NowMs() >= deadline)
			timed_out = true;
		else if (CancelRequested())
			interrupted = true;
		else
			pg_usleep(10000L);
	}
	if (!exited)
	{
		/* the whole group: a shell's children hold the pipes too */
		(void) kill(-pid, SIGKILL);
		(void) kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}

	/* its last newline would end the log line early */
	while (err.len > 0 && (err.data[err.len - 1] == '\n' || err.data[err.len - 1] == '\r'))
		err.data[--err.len] = '\0';

	if (interrupted)
	{
		sodium_free(out);		/* wipes */
		pfree(err.data);
		CHECK_FOR_INTERRUPTS();
		/* not reached: CancelRequested() saw an interrupt that will throw */
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
	}
	if (timed_out)
	{
		sodium_free(out);
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("eckid.key_command timed out"),
				 errdetail("The command was still running after %d seconds (eckid.key_command_timeout) and was killed.",
						   timeout_s),
				 err.len > 0 ?
				 errdetail_log("The command was still running after %d seconds (eckid.key_command_timeout) and was killed. Its standard error: %s",
							   timeout_s, err.data) : 0));
	}
	if (!exited || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
	{
		char	   *reason = wait_result_to_str(status);

		sodium_free(out);
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("eckid.key_command failed"),
				 errdetail("The command failed: %s.", reason),
				 err.len > 0 ?
				 errdetail_log("The command failed: %s. Its standard error: %s", reason, err.data) : 0,
				 errhint("See the server log for the command's standard error.")));
	}

	valid = !out_overflow && eckid_parse_key((const char *) out, out_len, key);
	sodium_free(out);			/* wipes */
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("eckid.key_command did not print a valid key"),
				 errdetail("The command must print exactly 64 hexadecimal digits, optionally followed by a newline."),
				 err.len > 0 ?
				 errdetail_log("The command must print exactly 64 hexadecimal digits, optionally followed by a newline. Its standard error: %s",
							   err.data) : 0));
	pfree(err.data);
}
