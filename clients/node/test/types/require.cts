// CommonJS consumers get the types through index.d.cts.
import sessiond = require('@sessiond/client')
const { SessiondClient, SessiondStore } = require('@sessiond/client') as typeof sessiond
const client = new sessiond.SessiondClient({ url: 'http://localhost:8080', apiKey: 'k' })
const p: Promise<sessiond.Session | null> = client.getSession('a')
// @ts-expect-error apiKey is required
new SessiondClient({ url: 'x' })
const store: InstanceType<typeof SessiondStore> = new SessiondStore({ url: 'x', apiKey: 'k' })
export {}
