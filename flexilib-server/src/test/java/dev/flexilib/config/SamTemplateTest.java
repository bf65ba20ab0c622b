package dev.flexilib.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading SAM templates as the SAM CLI reads them: the shapes of AWS's published
 * samples ({@code sam init}'s hello-world, its HTTP API variant) and of the SAM
 * CLI's own test templates, written here; short-form and long-form intrinsics,
 * Globals, Parameters with overrides, --env-vars, code locations; what is not
 * emulated reported once, and errors with their lines.
 */
class SamTemplateTest {
    /** The shape of {@code sam init}'s Java hello-world: an implicit REST API, Globals, Outputs using what is not local. */
    static final String HELLO_WORLD = """
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Description: >
              sam-app

              Sample SAM Template for sam-app

            Globals:
              Function:
                Timeout: 20
                MemorySize: 512

            Resources:
              HelloWorldFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: HelloWorldFunction
                  Handler: helloworld.App::handleRequest
                  Runtime: java21
                  Architectures:
                    - x86_64
                  MemorySize: 512
                  Environment:
                    Variables:
                      PARAM1: VALUE
                      JAVA_TOOL_OPTIONS: -XX:+TieredCompilation -XX:TieredStopAtLevel=1
                  Events:
                    HelloWorld:
                      Type: Api
                      Properties:
                        Path: /hello
                        Method: get

            Outputs:
              HelloWorldApi:
                Description: "API Gateway endpoint URL for Prod stage for Hello World function"
                Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
              HelloWorldFunction:
                Description: "Hello World Lambda Function ARN"
                Value: !GetAtt HelloWorldFunction.Arn
              HelloWorldFunctionIamRole:
                Description: "Implicit IAM Role created for Hello World function"
                Value: !GetAtt HelloWorldFunctionRole.Arn
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void code() throws IOException {
        Files.createDirectories(dir.resolve("HelloWorldFunction"));
        Files.createDirectories(dir.resolve("fn"));
        Files.writeString(dir.resolve("fn/bootstrap"), "#!/bin/sh\n");
    }

    private Path template(String text) throws IOException {
        return Files.writeString(dir.resolve("template.yaml"), text);
    }

    private SamTemplate read(String text) throws IOException {
        return SamTemplate.read(template(text), Map.of(), SamTemplate.EnvVars.NONE);
    }

    private List<ConfigError> errors(String text, Map<String, String> overrides) throws IOException {
        Path file = template(text);
        try {
            SamTemplate.read(file, overrides, SamTemplate.EnvVars.NONE);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected errors in:\n" + text);
    }

    private static SamTemplate.Function function(SamTemplate template, String id) {
        return template.functions().stream().filter(function -> function.logicalId().equals(id)).findFirst()
                .orElseThrow();
    }

    @Test
    void samInitsHelloWorldReadsAsTheSamCliReadsIt() throws IOException {
        SamTemplate template = read(HELLO_WORLD);

        SamTemplate.Function hello = function(template, "HelloWorldFunction");
        assertThat(hello.config().name()).isEqualTo("HelloWorldFunction");
        assertThat(hello.config().runtime()).isEqualTo("java21");
        assertThat(hello.config().handler()).isEqualTo("helloworld.App::handleRequest");
        assertThat(hello.config().timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(hello.config().memoryMb()).isEqualTo(512);
        assertThat(hello.config().code()).isEqualTo(dir.resolve("HelloWorldFunction"));
        assertThat(hello.config().environment()).containsEntry("PARAM1", "VALUE");
        assertThat(hello.routes()).singleElement().satisfies(route -> {
            assertThat(route.type()).isEqualTo("Api");
            assertThat(route.method()).isEqualTo("GET");
            assertThat(route.path()).isEqualTo("/hello");
            assertThat(route.payloadFormat()).isEqualTo("1.0");
            assertThat(route.api().logicalId()).isEqualTo("ServerlessRestApi");
            assertThat(route.api().stage()).isEqualTo("Prod");
        });
        assertThat(template.restApi()).isTrue();
        assertThat(template.warnings()).as("Outputs are not evaluated, x86_64 runs here").isEmpty();
    }

    @Test
    void shortAndLongFormIntrinsicsGlobalsAndParametersAreResolved() throws IOException {
        SamTemplate template = SamTemplate.read(template("""
                Transform: AWS::Serverless-2016-10-31
                Parameters:
                  Stage:
                    Type: String
                    Default: dev
                  Prefix:
                    Type: String
                    Default: shop
                Conditions:
                  IsProd: !Equals [!Ref Stage, prod]
                  NotProd:
                    Fn::Not: [{Condition: IsProd}]
                Mappings:
                  Sizes:
                    test: {Memory: 256}
                    prod: {Memory: 1024}
                Globals:
                  Function:
                    Runtime: provided.al2023
                    Handler: bootstrap
                    Timeout: 7
                    Environment:
                      Variables:
                        STAGE: !Ref Stage
                        SHARED: from-globals
                Resources:
                  Orders:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      FunctionName: !Sub "${Prefix}-orders-${Stage}"
                      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
                      Environment:
                        Variables:
                          SHARED: from-function
                          REGION_URL: !Sub "https://lambda.${AWS::Region}.${AWS::URLSuffix}"
                          SELF: !GetAtt Orders.Arn
                          JOINED: !Join ["-", [a, !Ref Stage, c]]
                          JOINED_LONG:
                            Fn::Join: ["/", [x, {Ref: Prefix}]]
                          PICKED: !Select [1, !Split [",", "one,two,three"]]
                          LEVEL: !If [IsProd, high, low]
                          SUB_MAP: !Sub
                            - "${Name}@${Stage}"
                            - Name: !Ref Prefix
                          ENCODED: !Base64 hi
                          STACK: !Ref AWS::StackName
                  OnlyInProd:
                    Type: AWS::Serverless::Function
                    Condition: IsProd
                    Properties:
                      CodeUri: fn
                """), Map.of("Stage", "test"), SamTemplate.EnvVars.NONE);

        assertThat(template.functions()).extracting(SamTemplate.Function::logicalId)
                .as("a function whose Condition is false is not deployed").containsExactly("Orders");
        FunctionConfig orders = template.functions().getFirst().config();
        assertThat(orders.name()).isEqualTo("shop-orders-test");
        assertThat(orders.timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(orders.memoryMb()).isEqualTo(256);
        assertThat(orders.environment()).containsExactly(
                Map.entry("STAGE", "test"),
                Map.entry("SHARED", "from-function"),
                Map.entry("REGION_URL", "https://lambda.us-east-1.amazonaws.com"),
                Map.entry("SELF", "arn:aws:lambda:us-east-1:123456789012:function:shop-orders-test"),
                Map.entry("JOINED", "a-test-c"),
                Map.entry("JOINED_LONG", "x/shop"),
                Map.entry("PICKED", "two"),
                Map.entry("LEVEL", "low"),
                Map.entry("SUB_MAP", "shop@test"),
                Map.entry("ENCODED", "aGk="),
                Map.entry("STACK", dir.getFileName().toString()));
        assertThat(errors("""
                Parameters:
                  Stage: {Type: String, Default: dev}
                Mappings:
                  Sizes:
                    dev: {Memory: 256}
                Resources:
                  Orders:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Handler: bootstrap
                      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
                """, Map.of("Stage", "prod"))).as("a mapping without the key cannot give a size")
                .isNotEmpty();
    }

    @Test
    void parameterOverridesAreCheckedAsCloudFormationChecksThem() throws IOException {
        String text = """
                Transform: AWS::Serverless-2016-10-31
                Parameters:
                  Stage:
                    Type: String
                    AllowedValues: [dev, prod]
                  Table:
                    Type: String
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Handler: bootstrap
                """;

        assertThat(errors(text, Map.of("Stage", "dev"))).extracting(ConfigError::line, ConfigError::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(6, "parameter Table has no Default: give it a "
                        + "value with --parameter-overrides Table=..."));
        assertThat(errors(text, Map.of("Stage", "qa", "Table", "t"))).singleElement()
                .satisfies(error -> assertThat(error.message()).contains("'qa', not one of its AllowedValues"));
        SamTemplate read = SamTemplate.read(template(text), Map.of("Stage", "prod", "Table", "t", "Extra", "x"),
                SamTemplate.EnvVars.NONE);
        assertThat(read.warnings()).extracting(ConfigError::message)
                .containsExactly("--parameter-overrides names Extra, which the template does not declare");
    }

    @Test
    void whatIsNotEmulatedIsReportedOnceAndTheRestRuns() throws IOException {
        SamTemplate template = read("""
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Tracing: Active
                    VpcConfig:
                      SecurityGroupIds: [sg-1]
                      SubnetIds: [subnet-1]
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      TableName: items
                  Queue:
                    Type: AWS::SQS::Queue
                  MyApi:
                    Type: AWS::Serverless::Api
                    Properties:
                      StageName: v1
                      Auth:
                        DefaultAuthorizer: MyCognito
                  A:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Handler: bootstrap
                      Policies: [AWSLambdaBasicExecutionRole]
                      Events:
                        Get:
                          Type: Api
                          Properties: {Path: /a, Method: get, RestApiId: !Ref MyApi}
                        Nightly:
                          Type: Schedule
                          Properties: {Schedule: rate(1 day)}
                  B:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Handler: bootstrap
                """);

        assertThat(template.functions()).extracting(SamTemplate.Function::logicalId).containsExactly("A", "B");
        assertThat(function(template, "A").routes()).singleElement().satisfies(route ->
                assertThat(route.api().stage()).as("the stage of the API the event names").isEqualTo("v1"));
        List<String> warnings = template.warnings().stream().map(ConfigError::message).toList();
        assertThat(warnings).contains(
                "AWS::DynamoDB::Table (Table) is not emulated by flexilib: its functions run, it does not exist",
                "AWS::SQS::Queue (Queue) is not emulated by flexilib: its functions run, it does not exist",
                "MyApi: Auth is not emulated by flexilib; ignored",
                "A: Policies is not emulated by flexilib; ignored",
                "A: the Schedule event Nightly is not emulated: the function answers its API events (and the Invoke "
                        + "API) only");
        assertThat(warnings).filteredOn(warning -> warning.contains("Tracing"))
                .as("a Globals setting every function inherits is said once per function").hasSize(2);
        assertThat(template.warnings()).filteredOn(warning -> warning.message().contains("DynamoDB"))
                .singleElement().satisfies(warning -> assertThat(warning.line()).isEqualTo(9));
    }

    @Test
    void aYamlErrorNamesItsLine() throws IOException {
        List<ConfigError> errors = errors("""
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                     Handler: bootstrap
                """, Map.of());

        assertThat(errors).singleElement().satisfies(error -> {
            assertThat(error.file()).isEqualTo(dir.resolve("template.yaml"));
            assertThat(error.line()).isEqualTo(7);
        });
    }

    @Test
    void errorsInFunctionsAndEventsNameTheirLines() throws IOException {
        List<ConfigError> errors = errors("""
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: python3.12
                      Handler: app.handler
                      Events:
                        Bad:
                          Type: Api
                          Properties:
                            Path: items
                            Method: get
                        Elsewhere:
                          Type: Api
                          Properties:
                            Path: /x
                            Method: get
                            RestApiId: NoSuchApi
                  Image:
                    Type: AWS::Serverless::Function
                    Properties:
                      PackageType: Image
                      ImageUri: repo/image:latest
                """, Map.of());

        assertThat(errors).extracting(ConfigError::line).containsExactlyInAnyOrder(13, 20, 7, 24);
        assertThat(errors).extracting(ConfigError::message).anySatisfy(message ->
                assertThat(message).startsWith("Fn: runtime 'python3.12' is not one flexilib runs"));
        assertThat(errors).extracting(ConfigError::message).anySatisfy(message ->
                assertThat(message).isEqualTo("Fn: event Elsewhere names NoSuchApi, which is not an "
                        + "AWS::Serverless::Api of this template"));
    }

    @Test
    void httpApiEventsTheirPayloadFormatAndTheTemplatesOwnApis() throws IOException {
        // the shape of the SAM CLI's HTTP API test templates: an implicit and an explicit HTTP API, a REST API
        SamTemplate template = read("""
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Api:
                    BinaryMediaTypes: ['image~1png', 'application/octet-stream']
                    Variables:
                      Mode: global
                  HttpApi:
                    StageVariables:
                      Colour: blue
                Resources:
                  MyHttpApi:
                    Type: AWS::Serverless::HttpApi
                    Properties:
                      StageName: beta
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Runtime: provided.al2023
                      Handler: bootstrap
                      Events:
                        Default:
                          Type: HttpApi
                        Versioned:
                          Type: HttpApi
                          Properties:
                            Path: /v1/{proxy+}
                            Method: any
                            PayloadFormatVersion: "1.0"
                        Explicit:
                          Type: HttpApi
                          Properties:
                            ApiId: !Ref MyHttpApi
                            Path: /beta
                            Method: POST
                        Rest:
                          Type: Api
                          Properties:
                            Path: /rest
                            Method: x-amazon-apigateway-any-method
                """);

        List<SamTemplate.Route> routes = function(template, "Fn").routes();
        assertThat(routes).extracting(SamTemplate.Route::method, SamTemplate.Route::path,
                        SamTemplate.Route::payloadFormat, route -> route.api().stage())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("ANY", "$default", "2.0", "$default"),
                        org.assertj.core.groups.Tuple.tuple("ANY", "/v1/{proxy+}", "1.0", "$default"),
                        org.assertj.core.groups.Tuple.tuple("POST", "/beta", "2.0", "beta"),
                        org.assertj.core.groups.Tuple.tuple("ANY", "/rest", "1.0", "Prod"));
        assertThat(routes.get(0).api().stageVariables()).containsExactly(Map.entry("Colour", "blue"));
        assertThat(routes.get(3).api().binaryMediaTypes()).containsExactly("image~1png", "application/octet-stream");
        assertThat(routes.get(3).api().stageVariables()).containsExactly(Map.entry("Mode", "global"));
    }

    @Test
    void aJsonTemplateAndAwsLambdaFunctionResources() throws IOException {
        Path file = Files.writeString(dir.resolve("template.json"), """
                {
                  "AWSTemplateFormatVersion": "2010-09-09",
                  "Resources": {
                    "Plain": {
                      "Type": "AWS::Lambda::Function",
                      "Properties": {
                        "Code": "fn",
                        "Runtime": "provided.al2",
                        "Handler": "bootstrap",
                        "Environment": {"Variables": {"WHERE": {"Fn::Sub": "${AWS::Region}"}}}
                      }
                    }
                  }
                }
                """);

        assertThat(SamTemplate.isTemplate(file)).isTrue();
        assertThat(SamTemplate.isTemplate(dir.resolve("function.json"))).isFalse();
        SamTemplate template = SamTemplate.read(file, Map.of(), SamTemplate.EnvVars.NONE);
        assertThat(template.functions()).singleElement().satisfies(function -> {
            assertThat(function.config().code()).isEqualTo(dir.resolve("fn"));
            assertThat(function.config().environment()).containsEntry("WHERE", "us-east-1");
            assertThat(function.routes()).isEmpty();
        });
    }

    @Test
    void codeIsFoundWhereMavenOrSamBuildPutIt() throws IOException {
        // a Maven project as CodeUri: its newest target/*.jar, never the shade plugin's original-*.jar
        Path project = Files.createDirectories(dir.resolve("HelloWorldFunction/target"));
        Path old = Files.writeString(project.resolve("hello-1.0.jar"), "old");
        Path newest = Files.writeString(project.resolve("hello-1.1.jar"), "new");
        Path original = Files.writeString(project.resolve("original-hello-1.1.jar"), "unshaded");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(original, FileTime.from(Instant.now().plusSeconds(60)));
        // a custom runtime whose CodeUri holds sources only: sam build's output
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/main.go"), "package main");
        Path built = Files.createDirectories(dir.resolve(".aws-sam/build/Native"));
        SamTemplate template = read(HELLO_WORLD.replace("Outputs:", """
                  Native:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src
                      Handler: bootstrap
                      Runtime: provided.al2023
                  Direct:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: fn
                      Handler: bootstrap
                      Runtime: provided.al2023

                Outputs:"""));

        assertThat(function(template, "HelloWorldFunction").config().code()).isEqualTo(newest);
        assertThat(function(template, "Native").config().code()).isEqualTo(built);
        assertThat(function(template, "Direct").config().code()).as("a bootstrap runs where it is")
                .isEqualTo(dir.resolve("fn"));
    }

    @Test
    void envVarsFileSetsDeclaredVariablesByFunctionAndForAll() throws IOException {
        Path envVars = Files.writeString(dir.resolve("env.json"), """
                {
                  "A": {"TABLE": "local-table", "UNDECLARED": "ignored"},
                  "Parameters": {"TABLE": "shared-table", "LEVEL": "debug"}
                }
                """);
        String text = """
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Function:
                    Runtime: provided.al2023
                    Handler: bootstrap
                    CodeUri: fn
                    Environment:
                      Variables:
                        TABLE: deployed
                        LEVEL: info
                Resources:
                  A:
                    Type: AWS::Serverless::Function
                  B:
                    Type: AWS::Serverless::Function
                """;
        Files.writeString(dir.resolve("template.yaml"), text);

        SamTemplate template = new SamTemplate.Overrides(Map.of(), Optional.of(envVars))
                .read(dir.resolve("template.yaml"));

        assertThat(function(template, "A").config().environment())
                .containsExactly(Map.entry("TABLE", "local-table"), Map.entry("LEVEL", "debug"));
        assertThat(function(template, "B").config().environment())
                .containsExactly(Map.entry("TABLE", "shared-table"), Map.entry("LEVEL", "debug"));
        Files.writeString(envVars, "{not json");
        assertThatThrownBy(() -> new SamTemplate.Overrides(Map.of(), Optional.of(envVars))
                .read(dir.resolve("template.yaml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read the --env-vars file");
    }

    @Test
    void parameterOverridesTakeBothOfTheSamClisForms() {
        assertThat(ServerSettings.parameters("Stage=dev  Table=a=b"))
                .containsExactly(Map.entry("Stage", "dev"), Map.entry("Table", "a=b"));
        assertThat(ServerSettings.parameters("ParameterKey=Stage,ParameterValue=prod"))
                .containsExactly(Map.entry("Stage", "prod"));
        assertThatThrownBy(() -> ServerSettings.parameters("Stage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proxyIniMountsATemplateAndChecksItAsItReads() throws IOException {
        template(HELLO_WORLD);
        RouteConfig config = ProxyIni.parse(dir.resolve("proxy.ini"), List.of("/api = lambda:template.yaml"));
        assertThat(config.routes()).singleElement().satisfies(route ->
                assertThat(route.backend()).isEqualTo(PluginSpec.sam(dir.resolve("template.yaml"), "/api")));

        RouteConfig itself = ProxyIni.read(dir.resolve("template.yaml"));
        assertThat(itself.routes()).singleElement().satisfies(route -> {
            assertThat(route.key()).isEqualTo(new RouteKey.PathPrefix("/"));
            assertThat(route.backend()).isEqualTo(PluginSpec.sam(dir.resolve("template.yaml"), "/"));
        });

        template(HELLO_WORLD.replace("Runtime: java21", "Runtime: java5"));
        assertThatThrownBy(() -> ProxyIni.parse(dir.resolve("proxy.ini"), List.of("/api = lambda:template.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("template.yaml:19");
        assertThatThrownBy(() -> ProxyIni.parse(dir.resolve("proxy.ini"), List.of("/api = lambda:missing.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }
}
