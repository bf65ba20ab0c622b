/*
 * flexilib's supervisor: it owns the listening socket and keeps one serving
 * child on it. When the child dies, for any reason, it says why and starts the
 * next one; connections that arrive meanwhile wait in the socket's backlog.
 * SIGHUP goes to the child; SIGTERM or SIGINT close the socket, let the child
 * drain and stop both; a second SIGINT kills the child and stops at once.
 *
 *   flexilib-supervisor JAVA [OPTION...] MAIN [ARGUMENT...]
 *
 * runs the child JVM `JAVA -XX:ErrorFile=DIR/crash-%p.log OPTION... MAIN
 * ARGUMENT...` with the socket as its standard input (file descriptor 0) and
 * the write end of a pipe as descriptor 3 (FLEXILIB_READY_FD=3), on which the
 * child writes one byte once it serves. A first child that exits before that,
 * without crashing, could not start (its config or settings are wrong): the
 * supervisor then exits with the child's status instead of starting it again.
 *
 * Environment: PORT (default 8069, 0 for any free port), LISTEN_ADDRESS
 * (default 0.0.0.0), FLEXILIB_SHUTDOWN_TIMEOUT_S (default 30), and systemd's
 * LISTEN_FDS/LISTEN_PID: a socket systemd already listens on is used as it is.
 *
 * Its log lines have the form of the server's (Diagnostics): time, level,
 * event, message, on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 8069
#define BACKLOG 4096
#define READY_FD 3
#define SYSTEMD_FIRST_FD 3
#define HEALTHY_UPTIME_MS 10000
#define FIRST_DELAY_MS 250
#define MAX_DELAY_MS 10000
#define DRAIN_GRACE_S 5

static int listener = -1;
static char crash_dir[PATH_MAX];
static char **child_argv;
static pid_t child;            /* 0: none running */
static pid_t last_child;       /* the one started last, running or not */
static int ready_pipe = -1;    /* read end while the current child has not said it serves */
static bool child_ready;
static bool any_child_ready;
static bool stopping;
static bool interrupted_once;
static long long stop_deadline_ms;

/* --- log lines */

static void logline(const char *level, const char *event, const char *format, ...) {
    char message[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm utc;
    gmtime_r(&now.tv_sec, &utc);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
    /* one write per line, as the server's own lines, so that lines of the two processes never mix */
    char line[4352];
    int length = snprintf(line, sizeof line, "%s.%06ldZ %-5s %s %s\n", when, now.tv_nsec / 1000, level, event, message);
    if (length > (int) sizeof line - 1) {
        length = sizeof line - 1;
        line[length - 1] = '\n';
    }
    ssize_t ignored = write(STDERR_FILENO, line, (size_t) length);
    (void) ignored;
}

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* --- settings, read as the server reads them (ServerSettings) */

static int integer_setting(const char *name, int fallback, int min, int max) {
    const char *text = getenv(name);
    while (text != NULL && isspace((unsigned char) *text)) {
        text++;
    }
    if (text == NULL || *text == '\0') {
        return fallback;
    }
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    while (isspace((unsigned char) *end)) {
        end++;
    }
    if (*end != '\0' || end == text || (errno == ERANGE)) {
        fprintf(stderr, "flexilib: %s=%s is invalid: expected a whole number\n", name, getenv(name));
        exit(2);
    }
    if (value < min || value > max) {
        fprintf(stderr, "flexilib: %s=%s is out of range: expected %d..%d\n", name, getenv(name), min, max);
        exit(2);
    }
    return (int) value;
}

/* --- the listening socket */

/** An already-listening socket from systemd socket activation, or -1. */
static int systemd_socket(void) {
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long) getpid()) {
        return -1;
    }
    long count = strtol(fds, NULL, 10);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (count < 1) {
        return -1;
    }
    if (count > 1) {
        logline("WARN", "supervisor.started", "systemd passed %ld sockets; serving the first", count);
    }
    int listening = 0;
    socklen_t size = sizeof listening;
    if (getsockopt(SYSTEMD_FIRST_FD, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) < 0 || !listening) {
        fprintf(stderr, "flexilib: cannot start: systemd's descriptor %d is not a listening socket\n", SYSTEMD_FIRST_FD);
        exit(1);
    }
    return SYSTEMD_FIRST_FD;
}

static void describe(int fd, char *text, size_t size) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (getsockname(fd, (struct sockaddr *) &address, &length) == 0) {
        if (address.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &address;
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs(in6->sin6_port);
        } else if (address.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *) &address;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            port = ntohs(in->sin_port);
        }
    }
    snprintf(text, size, "%s:%d", host, port);
}

static int open_listener(const char *host, int port) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *found;
    if (getaddrinfo(host, NULL, &hints, &found) != 0) {
        fprintf(stderr, "flexilib: LISTEN_ADDRESS=%s is invalid: not an address this machine can listen on\n", host);
        exit(2);
    }
    struct sockaddr_storage address;
    memcpy(&address, found->ai_addr, found->ai_addrlen);
    socklen_t length = found->ai_addrlen;
    freeaddrinfo(found);
    if (address.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *) &address)->sin6_port = htons((uint16_t) port);
    } else {
        ((struct sockaddr_in *) &address)->sin_port = htons((uint16_t) port);
    }
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
            || bind(fd, (struct sockaddr *) &address, length) < 0 || listen(fd, BACKLOG) < 0) {
        fprintf(stderr, "flexilib: cannot start: cannot listen on %s:%d: %s\n", host, port, strerror(errno));
        exit(1);
    }
    return fd;
}

/* --- the child */

static void start_child(void) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
        logline("ERROR", "child.started", "cannot create a pipe: %s", strerror(errno));
        exit(1);
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        logline("ERROR", "child.started", "cannot start a server child: %s", strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        /* the child dies with its supervisor, as workerd and Lambda runtimes die with the child */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(1);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(listener, STDIN_FILENO) < 0 || dup2(pipe_fds[1], READY_FD) < 0) {
            perror("flexilib: cannot pass the socket to the server child");
            _exit(1);
        }
        setenv("FLEXILIB_READY_FD", "3", 1);
        execv(child_argv[0], child_argv);
        fprintf(stderr, "flexilib: cannot run %s: %s\n", child_argv[0], strerror(errno));
        _exit(127);
    }
    close(pipe_fds[1]);
    child = pid;
    last_child = pid;
    ready_pipe = pipe_fds[0];
    child_ready = false;
    logline("INFO", "child.started", "server child %d started", (int) pid);
}

static void forward(int signal_number) {
    if (child > 0) {
        kill(child, signal_number);
    }
}

/** How the child ended, in the words the server's tests and users read. */
static void exit_status(int status, char *text, size_t size) {
    if (WIFSIGNALED(status)) {
        int number = WTERMSIG(status);
        const char *name = sigabbrev_np(number);
        if (name != NULL) {
            snprintf(text, size, "killed by SIG%s (%d)", name, number);
        } else {
            snprintf(text, size, "killed by signal (%d)", number);
        }
    } else {
        int code = WEXITSTATUS(status);
        snprintf(text, size, code == 3 ? "exited with status %d (out of memory)" : "exited with status %d", code);
    }
}

/** The JVM's crash report names the signal and the frame that crashed (for example a plugin's function). */
static bool crash_report(pid_t pid, char *text, size_t size) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/crash-%d.log", crash_dir, (int) pid);
    FILE *report = fopen(path, "r");
    text[0] = '\0';
    if (report == NULL) {
        return false;
    }
    size_t used = (size_t) snprintf(text, size, " [");
    char line[1024];
    for (int n = 0; n < 40 && fgets(line, sizeof line, report) != NULL; n++) {
        if (strncmp(line, "# ", 2) != 0) {
            continue;
        }
        char *start = line + 1;
        while (isspace((unsigned char) *start)) {
            start++;
        }
        char *end = start + strlen(start);
        while (end > start && isspace((unsigned char) end[-1])) {
            *--end = '\0';
        }
        if (strncmp(start, "SIG", 3) == 0 || strncmp(start, "C ", 2) == 0 || strncmp(start, "J ", 2) == 0
                || strncmp(start, "V ", 2) == 0) {
            if (used < size) {
                used += (size_t) snprintf(text + used, size - used, "%s; ", start);
            }
        }
    }
    fclose(report);
    if (used < size) {
        snprintf(text + used, size - used, "report: %s]", path);
    }
    return true;
}

/* --- signals */

static void stop(void) {
    if (stopping) {
        return;
    }
    stopping = true;
    close(listener); /* new connections are refused from now on; the child drains what it has */
    forward(SIGTERM);
    int timeout = integer_setting("FLEXILIB_SHUTDOWN_TIMEOUT_S", 30, 0, 86400);
    stop_deadline_ms = monotonic_ms() + (long long) (timeout + DRAIN_GRACE_S) * 1000;
}

static void on_signal(int signal_number) {
    switch (signal_number) {
        case SIGHUP:
            forward(SIGHUP);
            break;
        case SIGINT:
            if (interrupted_once) {
                forward(SIGKILL);
                _exit(130);
            }
            interrupted_once = true;
            stop();
            break;
        case SIGTERM:
            stop();
            break;
        default:
            break;
    }
}

/* --- the loop */

static int signals;          /* a signalfd for SIGCHLD, SIGHUP, SIGINT, SIGTERM */
static int reaped_status;

/**
 * Waits for signals, the child's readiness and, with {@code until_ms} >= 0, that
 * time; returns true when the child was reaped (its status in reaped_status).
 */
static bool wait_events(long long until_ms) {
    struct pollfd fds[2] = {{.fd = signals, .events = POLLIN}, {.fd = ready_pipe, .events = POLLIN}};
    int timeout = -1;
    if (until_ms >= 0) {
        long long left = until_ms - monotonic_ms();
        timeout = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int) left;
    }
    if (poll(fds, ready_pipe >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) {
        logline("ERROR", "supervisor.stopped", "poll failed: %s", strerror(errno));
        exit(1);
    }
    if (ready_pipe >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
        char byte;
        if (read(ready_pipe, &byte, 1) == 1) {
            child_ready = true;
            any_child_ready = true;
        }
        close(ready_pipe); /* read once: the child wrote, or it closed the pipe as it died */
        ready_pipe = -1;
    }
    bool reaped = false;
    if (fds[0].revents & POLLIN) {
        struct signalfd_siginfo info;
        while (read(signals, &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGCHLD) {
                int status;
                while (child > 0 && waitpid(child, &status, WNOHANG) == child) {
                    reaped_status = status;
                    child = 0;
                    reaped = true;
                }
            } else {
                on_signal((int) info.ssi_signo);
            }
        }
    }
    return reaped;
}

static void drain(void) {
    while (child > 0) {
        if (monotonic_ms() >= stop_deadline_ms) {
            logline("WARN", "supervisor.stopped", "the child did not stop in time; killing it");
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            child = 0;
            break;
        }
        wait_events(stop_deadline_ms);
    }
    rmdir(crash_dir); /* only when empty: crash reports are worth keeping */
    logline("INFO", "supervisor.stopped", "stopped");
    exit(0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: flexilib-supervisor JAVA [OPTION...] MAIN [ARGUMENT...]\n"
                        "(bin/flexilib starts it; see the README)\n");
        return 2;
    }
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    int handled_signals[] = {SIGCHLD, SIGHUP, SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof handled_signals / sizeof *handled_signals; i++) {
        signal(handled_signals[i], SIG_DFL); /* an ignored signal would never reach the signalfd (nohup) */
    }
    sigprocmask(SIG_SETMASK, &handled, NULL); /* and nothing else blocked, whatever the parent left */
    signal(SIGPIPE, SIG_IGN);

    int systemd = systemd_socket();
    /* nothing else the caller left open goes to the children (a JVM that exec'd this holds many) */
    close_range(systemd >= 0 ? SYSTEMD_FIRST_FD + 1 : SYSTEMD_FIRST_FD, ~0U, 0);
    if (systemd >= 0) {
        fcntl(systemd, F_SETFD, FD_CLOEXEC); /* children get it as descriptor 0 only */
    }
    signals = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signals < 0) {
        perror("flexilib: cannot start: signalfd");
        return 1;
    }
    int port = integer_setting("PORT", DEFAULT_PORT, 0, 65535);
    integer_setting("FLEXILIB_SHUTDOWN_TIMEOUT_S", 30, 0, 86400);
    const char *host = getenv("LISTEN_ADDRESS");
    while (host != NULL && isspace((unsigned char) *host)) {
        host++;
    }
    if (host == NULL || *host == '\0') {
        host = "0.0.0.0";
    }
    listener = systemd >= 0 ? systemd : open_listener(host, port);

    const char *tmp = getenv("TMPDIR");
    snprintf(crash_dir, sizeof crash_dir, "%s/flexilib-crashes-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(crash_dir) == NULL) {
        fprintf(stderr, "flexilib: cannot start: cannot create a directory for crash reports: %s\n", strerror(errno));
        return 1;
    }
    char error_file[PATH_MAX + 32];
    snprintf(error_file, sizeof error_file, "-XX:ErrorFile=%s/crash-%%p.log", crash_dir);
    child_argv = calloc((size_t) argc + 1, sizeof *child_argv);
    child_argv[0] = argv[1];
    child_argv[1] = error_file;
    for (int i = 2; i < argc; i++) {
        child_argv[i] = argv[i];
    }

    char where[INET6_ADDRSTRLEN + 16];
    describe(listener, where, sizeof where);
    logline("INFO", "supervisor.started", "listening on %s (%ssupervisor pid %d)", where,
            systemd >= 0 ? "a socket from systemd; " : "", (int) getpid());

    long long next_delay_ms = 0;
    while (!stopping) {
        long long started = monotonic_ms();
        start_child();
        while (!wait_events(-1)) {
            if (stopping) {
                drain(); /* does not return */
            }
        }
        if (stopping) {
            drain();
        }
        long long uptime = monotonic_ms() - started;
        char status[64];
        exit_status(reaped_status, status, sizeof status);
        char crash[2048];
        bool crashed = crash_report(last_child, crash, sizeof crash);
        if (!any_child_ready && !child_ready && WIFEXITED(reaped_status) && !crashed) {
            logline("WARN", "supervisor.stopped", "the server child could not start (%s); stopping", status);
            rmdir(crash_dir);
            return WEXITSTATUS(reaped_status);
        }
        if (uptime >= HEALTHY_UPTIME_MS) {
            next_delay_ms = 0;
        }
        long long delay = next_delay_ms;
        next_delay_ms = next_delay_ms == 0 ? FIRST_DELAY_MS
                : next_delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : next_delay_ms * 2;
        if (delay == 0) {
            logline("WARN", "child.exited", "server child %d %s after %lld ms%s; starting a new one",
                    (int) last_child, status, uptime, crash);
        } else {
            logline("WARN", "child.exited", "server child %d %s after %lld ms%s; it keeps dying, next start in %lld ms",
                    (int) last_child, status, uptime, crash, delay);
        }
        long long until = monotonic_ms() + delay;
        while (!stopping && monotonic_ms() < until) {
            wait_events(until);
        }
    }
    drain();
    return 0;
}
