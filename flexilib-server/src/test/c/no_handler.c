/* A library that is not a plugin: it lacks handle_request. */
int not_the_handler(void) {
    return 42;
}
