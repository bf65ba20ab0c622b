// Serves the files of the directory granted at /data (files.properties): GET /NAME answers
// /data/NAME, GET / lists the directory. Nothing outside /data can be opened.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list(void) {
    DIR *directory = opendir("/data");
    if (directory == NULL) {
        printf("Status: 500\nContent-Type: text/plain\n\ncannot open /data\n");
        return 0;
    }
    printf("Content-Type: text/plain\n\n");
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] != '.') {
            printf("%s\n", entry->d_name);
        }
    }
    closedir(directory);
    return 0;
}

int main(void) {
    const char *path = getenv("PATH_INFO");
    if (path == NULL || strcmp(path, "") == 0 || strcmp(path, "/") == 0) {
        return list();
    }
    char name[1024];
    snprintf(name, sizeof name, "/data%s", path);
    FILE *file = fopen(name, "rb");
    if (file == NULL) {
        printf("Status: 404 Not Found\nContent-Type: text/plain\n\nno file %s\n", path);
        return 0;
    }
    printf("Content-Type: text/plain\n\n");
    char buffer[8192];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0) {
        fwrite(buffer, 1, n, stdout);
    }
    fclose(file);
    return 0;
}
