/*
 * A Lambda custom runtime in C: the executable 'bootstrap' of a provided.al2023 function.
 * It speaks Lambda's Runtime API over one kept-alive HTTP/1.1 connection to
 * $AWS_LAMBDA_RUNTIME_API: GET /2018-06-01/runtime/invocation/next hands it an event,
 * POST .../invocation/{id}/response answers it. The event is an API Gateway (HTTP API,
 * payload 2.0) event; the answer greets the event's rawPath. A path that ends in /fail
 * is answered through .../invocation/{id}/error instead, as a function error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buffer[7 * 1024 * 1024];
static size_t buffered;

static int connect_api(const char *api)
{
    char host[256];
    const char *colon = strrchr(api, ':');
    if (colon == NULL || (size_t)(colon - api) >= sizeof host) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not host:port: %s\n", api);
        exit(1);
    }
    memcpy(host, api, colon - api);
    host[colon - api] = '\0';
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", host);
        exit(1);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("connect to the Runtime API");
        exit(1);
    }
    return fd;
}

static void send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = write(fd, data, length);
        if (sent <= 0) {
            perror("write to the Runtime API");
            exit(1);
        }
        data += sent;
        length -= sent;
    }
}

/* Reads one response: its head into buffer, then its Content-Length body after it. Returns the body. */
static char *read_response(int fd, size_t *body_length, char *request_id, size_t id_size)
{
    buffered = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t got = read(fd, buffer + buffered, sizeof buffer - buffered - 1);
        if (got <= 0) {
            exit(0); /* the Runtime API went away: this environment is done */
        }
        buffered += got;
        buffer[buffered] = '\0';
        end = strstr(buffer, "\r\n\r\n");
    }
    size_t head = end + 4 - buffer;
    size_t length = 0;
    request_id[0] = '\0';
    for (char *line = strstr(buffer, "\r\n") + 2; line < end; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) {
            length = strtoul(line + 15, NULL, 10);
        } else if (strncasecmp(line, "lambda-runtime-aws-request-id:", 30) == 0) {
            const char *value = line + 30 + strspn(line + 30, " ");
            size_t n = strcspn(value, "\r");
            if (n >= id_size) {
                n = id_size - 1;
            }
            memcpy(request_id, value, n);
            request_id[n] = '\0';
        }
    }
    if (head + length >= sizeof buffer) {
        fprintf(stderr, "an event of %zu bytes does not fit\n", length);
        exit(1);
    }
    while (buffered < head + length) {
        ssize_t got = read(fd, buffer + buffered, head + length - buffered);
        if (got <= 0) {
            exit(0);
        }
        buffered += got;
    }
    buffer[head + length] = '\0';
    *body_length = length;
    return buffer + head;
}

/* The value of "rawPath" in the event, in path (a JSON string's characters, unescaped enough for a greeting). */
static void raw_path(const char *event, char *path, size_t size)
{
    const char *found = strstr(event, "\"rawPath\":\"");
    size_t n = 0;
    if (found != NULL) {
        found += 11;
        while (found[n] != '\0' && found[n] != '"' && n + 1 < size) {
            n++;
        }
        memcpy(path, found, n);
    }
    path[n] = '\0';
}

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (api == NULL) {
        fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set: this is a Lambda bootstrap\n");
        return 1;
    }
    int fd = connect_api(api);
    char request[512], id[128], path[256], reply[1024];
    for (;;) {
        int n = snprintf(request, sizeof request, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                         "Host: %s\r\n\r\n", api);
        send_all(fd, request, n);
        size_t length;
        char *event = read_response(fd, &length, id, sizeof id);
        raw_path(event, path, sizeof path);
        size_t path_length = strlen(path);
        int failing = path_length >= 5 && strcmp(path + path_length - 5, "/fail") == 0;
        int body = failing
            ? snprintf(reply, sizeof reply, "{\"errorMessage\":\"asked to fail at %s\",\"errorType\":\"HelloError\"}", path)
            : snprintf(reply, sizeof reply, "{\"statusCode\":200,\"headers\":{\"content-type\":\"text/plain\"},"
                       "\"body\":\"Hello from a C custom runtime at %s!\"}", path);
        n = snprintf(request, sizeof request, "POST /2018-06-01/runtime/invocation/%s/%s HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Type: application/json\r\n%sContent-Length: %d\r\n\r\n", id,
                     failing ? "error" : "response", api,
                     failing ? "Lambda-Runtime-Function-Error-Type: Function.HelloError\r\n" : "", body);
        send_all(fd, request, n);
        send_all(fd, reply, body);
        read_response(fd, &length, id, sizeof id); /* 202 {"status":"OK"} */
    }
}
