// Baileys 7 (7.0.0-rc14, the release candidates bots are moving to, installed as baileys-7), with its
// new key types (lid-mapping, device-list, identity-key, tctoken) driven through its own code. The
// suite: support/baileys-suite.js.
import { baileysSuite } from './support/baileys-suite.js'

await baileysSuite('baileys-7', true)
