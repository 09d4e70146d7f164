'use strict'
// Starts dynalite in memory for the Java tests (DynaliteExtension). dynalite's own CLI cannot bind port 0 and
// outlives a killed JVM, so this launcher lets the OS pick a free port on 127.0.0.1, prints it, and exits as soon as
// its stdin closes: the JVM holds the other end of that pipe, and the pipe closes however the JVM ends.
const dynalite = require('dynalite')

// Tables become ACTIVE at once, so tests never wait for CREATING.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.on('error', (err) => {
  console.error('dynalite failed: ' + err.message)
  process.exit(1)
})
server.listen(0, '127.0.0.1', () => console.log('DYNALITE_PORT=' + server.address().port))

process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
