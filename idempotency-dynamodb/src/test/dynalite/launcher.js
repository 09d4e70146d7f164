'use strict'
// Starts dynalite for the Java tests (DynaliteProcess). dynalite's own CLI cannot bind port 0 and outlives a killed
// JVM, so this launcher lets the OS pick a free port on 127.0.0.1 (unless --port names one), prints it, and exits as
// soon as its stdin closes: the JVM holds the other end of that pipe, and the pipe closes however the JVM ends.
// With --path DIR, tables live in LevelDB files in DIR, so a server started again on DIR has them all back.
const dynalite = require('dynalite')

const option = (name) => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

// Tables become ACTIVE at once, so tests never wait for CREATING.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: option('--path') })
server.on('error', (err) => {
  console.error('dynalite failed: ' + err.message)
  process.exit(1)
})
server.listen(Number(option('--port') || 0), '127.0.0.1', () => console.log('DYNALITE_PORT=' + server.address().port))

process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
