// `node bin/berth.js ARGS` is the same as `bin/berth ARGS` (tests and the monitor's
// on-exit commands call it this way).
'use strict';
require('./berth');
