package dev.flexilib.plugin.lambda;

import dev.flexilib.Handled;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.config.FunctionConfig;
import dev.flexilib.plugin.Plugin;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One generation of a Lambda function: its settings, a private copy of its code
 * (the task root its runtimes run in) and its pool of execution environments.
 * A request on its route becomes an API Gateway event; a request on the Invoke
 * API passes its payload through. Both wait for their invocation on the
 * plugin's virtual thread.
 */
final class Function implements Plugin {
    /** The region and account of every ARN flexilib makes up (AWS_REGION, if set, names the region). */
    private static final String REGION = Optional.ofNullable(System.getenv("AWS_REGION")).orElse("us-east-1");
    private static final String ACCOUNT = "123456789012";

    private final FunctionConfig config;
    private final LambdaHost host;
    private final Path taskRoot;
    private final EnvironmentPool pool;
    private final FunctionLog log;
    private final ApiGateway gateway;
    /** The generations using it: one, its own, unless later generations of a SAM application kept it. */
    private int users = 1;

    Function(FunctionConfig config, LambdaHost host, Path taskRoot) {
        this.config = config;
        this.host = host;
        this.taskRoot = taskRoot;
        this.log = new FunctionLog(config.name(), config.memoryMb(), !config.java(), host.diagnostics());
        this.gateway = ApiGateway.of(config.payloadFormat());
        this.pool = new EnvironmentPool(this);
    }

    FunctionConfig config() {
        return config;
    }

    LambdaHost host() {
        return host;
    }

    Path taskRoot() {
        return taskRoot;
    }

    EnvironmentPool pool() {
        return pool;
    }

    FunctionLog log() {
        return log;
    }

    String arn() {
        return arn(config.name());
    }

    static String arn(String name) {
        return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
    }

    static String region() {
        return REGION;
    }

    /** An invocation's outcome, and the invocation (null if no environment could take it). */
    record Invoked(Outcome outcome, Invocation invocation) {}

    @Override
    public Handled handle(Request request) {
        Optional<String> invoked = InvokeApi.functionName(request);
        if (invoked.isPresent() && invoked.get().equals(config.name())) {
            return Handled.of(InvokeApi.invoke(this, request));
        }
        return Handled.of(throughApiGateway(request, gateway, ApiGateway.Match.everything(request, gateway)));
    }

    /** Invokes the function for {@code request}, which took {@code match} on an API of {@code gateway}'s kind. */
    Response throughApiGateway(Request request, ApiGateway gateway, ApiGateway.Match match) {
        long now = System.currentTimeMillis();
        String requestId = gateway.newRequestId();
        byte[] event = Json.bytes(gateway.event(request, match, requestId, now));
        if (event.length > ApiGateway.MAX_EVENT_BYTES) {
            return gateway.eventTooLarge(requestId);
        }
        try {
            Invoked invoked = start(event, Optional.empty());
            if (invoked.invocation() == null) {
                return gateway.response(invoked.outcome(), requestId);
            }
            Outcome outcome = invoked.invocation().reported().get(gateway.integrationTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
            return gateway.response(outcome, requestId);
        } catch (EnvironmentPool.Throttled e) {
            return gateway.throttled(requestId);
        } catch (TimeoutException e) {
            return gateway.timedOut(requestId); // the invocation runs on to the function's own timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return gateway.timedOut(requestId);
        } catch (ExecutionException e) {
            throw new IllegalStateException("an invocation's outcome is never exceptional", e);
        }
    }

    /** Runs one invocation to its end. */
    Invoked invoke(byte[] event, Optional<String> clientContext) throws EnvironmentPool.Throttled {
        Invoked started = start(event, clientContext);
        if (started.invocation() == null) {
            return started;
        }
        return new Invoked(started.invocation().reported().join(), started.invocation());
    }

    /** An asynchronous invocation (the Invoke API's {@code Event}): its outcome goes only to the log. */
    void invokeQuietly(byte[] event, Optional<String> clientContext) {
        try {
            invoke(event, clientContext);
        } catch (EnvironmentPool.Throttled e) {
            host.diagnostics().warn(dev.flexilib.Diagnostics.Event.LAMBDA_LOG, config.name()
                    + ": an asynchronous invocation was throttled and is dropped");
        }
    }

    /** Hands {@code event} to an environment: a warm one, or a new one (a cold start). */
    private Invoked start(byte[] event, Optional<String> clientContext) throws EnvironmentPool.Throttled {
        Environment environment;
        try {
            environment = pool.acquire();
        } catch (EnvironmentPool.InitFailed e) {
            return new Invoked(e.failure, null);
        }
        Invocation invocation = new Invocation(event, config.timeout().toMillis(), clientContext);
        environment.invoke(invocation);
        return new Invoked(null, invocation);
    }

    /** Starts the first environment now: a generation whose runtime does not initialise is not published. */
    void warmUp() throws EnvironmentPool.InitFailed {
        try {
            Environment environment = pool.acquire();
            pool.released(environment);
        } catch (EnvironmentPool.Throttled e) {
            throw new IllegalStateException("a new function has no environment yet", e);
        }
    }

    /**
     * One more generation uses this function (a SAM application's next one, when the
     * function did not change); false if it was closed already.
     */
    synchronized boolean retain() {
        if (users == 0) {
            return false;
        }
        users++;
        return true;
    }

    /**
     * The generation using it is done: once no generation is, stops the environments
     * and deletes the task root.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (users == 0 || --users > 0) {
                return;
            }
        }
        pool.close();
        host.unloaded(this);
    }

    /** Closes it whatever uses it: the server is stopping. */
    void stop() {
        synchronized (this) {
            if (users == 0) {
                return;
            }
            users = 0;
        }
        pool.close();
        host.unloaded(this);
    }
}
