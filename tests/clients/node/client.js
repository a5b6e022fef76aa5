// grpc-js-xds as a proxyless xDS client, driven line by line on stdin by the C++ test
// (tests/clients/grpc_cpp_xds_test.cc), which runs kgw and the test servers. The xDS bootstrap
// comes from GRPC_XDS_BOOTSTRAP_CONFIG. One channel lives for the whole run, so edits are seen
// by a client that is already connected.
//
// Commands, one per line; each prints one JSON line:
//   call [HEADER=VALUE]            -> {"ok":true,"server":"echo-a"} or {"ok":false,"code":14}
//   count N [HEADER=VALUE]         -> {"echo-a":80,"echo-b":20,"errors":0}
//   wait SERVER MS [HEADER=VALUE]  -> {"ok":true,"ms":123} once SERVER answers, or {"ok":false}
'use strict';
const grpc = require('@grpc/grpc-js');
require('@grpc/grpc-js-xds').register();
const readline = require('readline');

const target = process.argv[2] || 'xds:///echo.example.com';
const client = new grpc.Client(target, grpc.credentials.createInsecure());
const identity = (b) => b;

function call(header) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    if (header) {
      const [k, v] = header.split('=');
      md.set(k, v);
    }
    const deadline = new Date(Date.now() + 5000);
    client.makeUnaryRequest('/kgw.test.Echo/Who', identity, identity, Buffer.from('hi'), md, {deadline},
      (err, reply) => resolve(err ? {ok: false, code: err.code, message: err.details} :
                                    {ok: true, server: reply.toString()}));
  });
}

async function run(line) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'call') return call(args[0]);
  if (cmd === 'count') {
    const counts = {errors: 0};
    for (let i = 0; i < Number(args[0]); i++) {
      const r = await call(args[1]);
      if (r.ok) counts[r.server] = (counts[r.server] || 0) + 1; else counts.errors++;
    }
    return counts;
  }
  if (cmd === 'wait') {
    const start = Date.now();
    while (Date.now() - start < Number(args[1])) {
      const r = await call(args[2]);
      if (r.ok && r.server === args[0]) return {ok: true, ms: Date.now() - start};
      await new Promise((res) => setTimeout(res, 5));
    }
    return {ok: false};
  }
  return {error: 'unknown command ' + cmd};
}

const rl = readline.createInterface({input: process.stdin});
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(() => run(line)).then((r) => process.stdout.write(JSON.stringify(r) + '\n'));
});
rl.on('close', () => chain.then(() => { client.close(); process.exit(0); }));
