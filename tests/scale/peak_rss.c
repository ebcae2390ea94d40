/*
 * peak_rss.c - run a command and print its peak resident set size in KiB
 * (getrusage of the waited-for child), for the scaling test: a quadratic
 * cost shows as memory growing 16-fold for a 4-fold input, with no timing.
 *
 *     peak_rss CMD [ARGS...]
 *
 * Prints the KiB on stdout (the command's own output goes to /dev/null) and
 * exits with the command's status (127 when it cannot run).
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: peak_rss CMD [ARGS...]\n", stderr);
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		return 127;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execvp(argv[1], argv + 1);
		perror("peak_rss: exec");
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0) {
		perror("peak_rss: wait");
		return 127;
	}
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
