/*
 * Starts a program as systemd's socket activation does: a socket listening on
 * 127.0.0.1 (any free port) as descriptor 3, LISTEN_FDS=1 and LISTEN_PID set
 * to the program's pid (this one's: the program replaces it).
 *
 *   socket_activate PORT-FILE PROGRAM [ARGUMENT...]
 *
 * writes the port to PORT-FILE first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: socket_activate PORT-FILE PROGRAM [ARGUMENT...]\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, (struct sockaddr *) &address, sizeof address) < 0 || listen(fd, 128) < 0
            || getsockname(fd, (struct sockaddr *) &address, &length) < 0) {
        perror("socket_activate: listen");
        return 1;
    }
    FILE *port = fopen(argv[1], "w");
    if (port == NULL || fprintf(port, "%d\n", ntohs(address.sin_port)) < 0 || fclose(port) != 0) {
        perror("socket_activate: port file");
        return 1;
    }
    if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0)) {
        perror("socket_activate: dup2");
        return 1;
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int) getpid());
    setenv("LISTEN_PID", pid, 1);
    setenv("LISTEN_FDS", "1", 1);
    execv(argv[2], argv + 2);
    perror("socket_activate: exec");
    return 127;
}
