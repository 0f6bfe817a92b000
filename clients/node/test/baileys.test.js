// Baileys as most bots install it, @whiskeysockets/baileys (npm's latest tag: 6.17.16), found by the
// adapter itself (no `baileys` option). The suite: support/baileys-suite.js.
import { baileysSuite } from './support/baileys-suite.js'

await baileysSuite('@whiskeysockets/baileys', false)
