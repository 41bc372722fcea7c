import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { x } from '@ln/chain-interfaces';
test('x', () => { assert.is(x, 1); });
test.run();
