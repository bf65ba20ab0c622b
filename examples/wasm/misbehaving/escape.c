// Tries to get out of its volumes (/data read-only, /scratch read-write) and reports, a line
// each, whether the host let it: "NAME: allowed" or "NAME: refused (errno text)".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *name, int ok) {
    if (ok) {
        printf("%s: allowed\n", name);
    } else {
        printf("%s: refused (%s)\n", name, strerror(errno));
    }
}

static int opens(const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd >= 0) {
        close(fd);
    }
    return fd >= 0;
}

int main(void) {
    printf("Content-Type: text/plain\n\n");
    report("read /data/inside.txt", opens("/data/inside.txt", O_RDONLY));
    report("read /etc/passwd", opens("/etc/passwd", O_RDONLY));
    report("read /data/../outside.txt", opens("/data/../outside.txt", O_RDONLY));
    report("read /data/../../../../etc/passwd", opens("/data/../../../../etc/passwd", O_RDONLY));
    report("write /data/new.txt", opens("/data/new.txt", O_WRONLY | O_CREAT));
    report("append /data/inside.txt", opens("/data/inside.txt", O_WRONLY | O_APPEND));
    report("truncate /data/inside.txt", opens("/data/inside.txt", O_RDONLY | O_TRUNC));
    report("mkdir /data/dir", mkdir("/data/dir", 0755) == 0);
    report("unlink /data/inside.txt", unlink("/data/inside.txt") == 0);
    report("rename /data/inside.txt /scratch/moved.txt", rename("/data/inside.txt", "/scratch/moved.txt") == 0);
    report("write /scratch/new.txt", opens("/scratch/new.txt", O_WRONLY | O_CREAT));
    report("symlink /scratch/link -> /etc/passwd", symlink("/etc/passwd", "/scratch/link") == 0);
    report("read /scratch/link", opens("/scratch/link", O_RDONLY));
    report("link /data/inside.txt /scratch/hard.txt", link("/data/inside.txt", "/scratch/hard.txt") == 0);
    return 0;
}
