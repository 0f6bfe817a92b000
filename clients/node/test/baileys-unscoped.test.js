// Baileys under its unscoped name, baileys (npm's latest tag: 6.17.16, the name its README installs),
// given to the adapter as its `baileys` option as a bot with both names installed does (the package
// test checks that the adapter finds it alone). The suite: support/baileys-suite.js.
import { baileysSuite } from './support/baileys-suite.js'

await baileysSuite('baileys', true)
