"use strict";
/**
 * `hardhat <args>` through the command server of test/helpers/command-server.ts (COMMAND_SERVER_SOCKET):
 * prints what the command printed, on stdout and stderr, and exits with its exit code. Plain JavaScript,
 * so that it starts in the time Node itself takes.
 */
const net = require("net");

// Mocha loads every file under test/: only the process started with this file connects.
if (require.main === module) {
  const socket = net.createConnection(process.env.COMMAND_SERVER_SOCKET || "");
  let answer = "";
  socket.setEncoding("utf8");
  socket.on("connect", () => socket.end(JSON.stringify({ argv: process.argv.slice(2) })));
  socket.on("data", (d) => (answer += d));
  socket.on("error", (e) => {
    process.stderr.write(`error: the command server at ${process.env.COMMAND_SERVER_SOCKET} did not answer: ${e.message}\n`);
    process.exitCode = 1;
  });
  socket.on("end", () => {
    if (answer === "") {
      process.stderr.write(`error: the command server at ${process.env.COMMAND_SERVER_SOCKET} closed without an answer\n`);
      process.exitCode = 1;
      return;
    }
    const result = JSON.parse(answer);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.code;
  });
}
