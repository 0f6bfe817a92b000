// fetch over node:http (one connection per request), for tests that mock the global timers: Node's
// fetch (its bundled undici) schedules its connection and parser timeouts with the global
// setTimeout, so a mocked clock that jumps minutes ahead fires them on connections that are gone,
// and the timer callback throws after the test ("Cannot destructure property 'socket' of
// 'parser.deref(...)'"). node:http's own timers are not the global ones. Enough of fetch for
// SessiondClient: method, headers, a string, bytes or stream body, signal; a Response back.
import { request } from 'node:http'
import { Readable } from 'node:stream'

export function httpFetch (url, init = {}) {
  return new Promise((resolve, reject) => {
    const method = init.method || 'GET'
    const req = request(url, { method, headers: Object.fromEntries(new Headers(init.headers)), agent: false, signal: init.signal }, (res) => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(res.headers)) for (const v of [].concat(value)) headers.append(name, v)
      const empty = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
      if (empty) res.resume()
      resolve(new Response(empty ? null : Readable.toWeb(res), { status: res.statusCode, headers }))
    })
    req.on('error', reject)
    const body = init.body
    if (body == null) req.end()
    else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body)
    else if (typeof body.pipe === 'function') body.pipe(req)
    else Readable.from(body).pipe(req)
  })
}
