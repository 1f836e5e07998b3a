// Loaded (node --require) into a Node.js program that `scan` runs under its mocks.
//
// A multi-language component is built by its provider plugin during a real `pulumi preview`; under the
// mocks it would have no children, and the API it stands for would not be judged. @pulumi/aws-apigateway's
// RestAPI is built by its plugin with the API library of awsx classic (the plugin's source is that
// library, moved): when the program can load @pulumi/awsx, the component is built here, in the program's
// own process, by that library, so its RestApi (an OpenAPI body), Deployment, Stage and Permissions reach
// the pack as a preview would show them. Without @pulumi/awsx the component stays as it is, and `scan`
// says it was not judged.
"use strict";

const Module = require("module");
const path = require("path");

const programDir = process.env.SERVERLESS_GUARD_PROGRAM_DIR || process.cwd();

function fromProgram(request) {
    return require(require.resolve(request, { paths: [programDir] }));
}

function localRestAPI(original) {
    let pulumi, createAPI;
    try {
        pulumi = fromProgram("@pulumi/pulumi");
        createAPI = fromProgram("@pulumi/awsx/classic/apigateway/api").createAPI;
    } catch (err) {
        return original;
    }
    if (typeof createAPI !== "function") {
        return original;
    }
    class RestAPI extends pulumi.ComponentResource {
        constructor(name, args, opts) {
            super("aws-apigateway:index:RestAPI", name, {}, opts);
            const api = createAPI(this, name, args || {}, opts && opts.parent);
            this.url = api.url;
            this.api = pulumi.output(api.restAPI);
            this.deployment = pulumi.output(api.deployment);
            this.stage = pulumi.output(api.stage);
            this.apiPolicy = pulumi.output(api.apiPolicy);
            this.registerOutputs({});
        }
    }
    return RestAPI;
}

// A StackReference whose stack's outputs scan was not given (scan --stack-outputs) has no outputs: each one
// the program asks for is unknown, as in a preview before the referenced stack exists, so the program's
// `getOutput(...).apply(...)` waits instead of failing on undefined.
const referencesPatched = new WeakSet();
function patchStackReference(pulumi) {
    const proto = pulumi.StackReference && pulumi.StackReference.prototype;
    if (!proto || referencesPatched.has(proto)) {
        return;
    }
    referencesPatched.add(proto);
    const unknownOr = (ref, name, original) => {
        const outputs = ref.outputs;
        const given = outputs.promise().then((os) => os !== undefined && os !== null);
        const value = pulumi.all([pulumi.output(name), outputs]).apply(([n, os]) => (os ? os[n] : undefined));
        return new pulumi.Output(new Set([ref]), Promise.all([given, value.promise()]).then(([g, v]) => g ? v : undefined),
            given.then((g) => g ? value.isKnown : false), value.isSecret, Promise.resolve(new Set([ref])));
    };
    proto.getOutput = function (name) { return unknownOr(this, name); };
    proto.requireOutput = function (name) { return unknownOr(this, name); };
}

// The SDK locates a resource at the first frame of `new Error().stack` below its constructors, parsed with
// `Resource.framePositionRegExp`, which reads only frames of named functions (`at name (file:line:col)`). A
// resource made inside an anonymous callback (`bucket.id.apply(id => new aws.sqs.Queue(...))`) is made from a
// frame V8 writes without a name (`at file:line:col`): it had no position, and `scan` fell back to the
// project file. This reads both forms, so it is located at the callback's line, as a named function's is.
const framesPatched = new WeakSet();
function patchFramePositions(pulumi) {
    const resource = pulumi.Resource;
    if (!resource || framesPatched.has(resource) || !(resource.framePositionRegExp instanceof RegExp)) {
        return;
    }
    framesPatched.add(resource);
    resource.framePositionRegExp = /^\s*at (?:.* \()?(?<file>[^()]+?):(?<line>[0-9]+):(?<column>[0-9]+)\)?$/;
}

const load = Module._load;
let patched = null;
Module._load = function (request, parent, isMain) {
    const exported = load.apply(this, arguments);
    if (request === "@pulumi/pulumi" && exported && exported.StackReference) {
        patchStackReference(exported);
        patchFramePositions(exported);
    }
    if (request === "@pulumi/aws-apigateway" && exported && exported.RestAPI) {
        if (patched === null) {
            patched = localRestAPI(exported.RestAPI);
        }
        if (patched !== exported.RestAPI) {
            return new Proxy(exported, {
                get(target, prop) {
                    return prop === "RestAPI" ? patched : target[prop];
                },
            });
        }
    }
    return exported;
};

module.exports = { programDir: path.resolve(programDir) };
