/** Restart checks of monitors against the channel manager's channels. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkMonitorsAgainstChannels } from '../src/index.js';

const id = (n: number) => new Uint8Array(32).fill(n);

test('every kind of mismatch is reported, agreement reports nothing', () => {
  const monitors = [
    { channelId: id(1), latestUpdateId: 5n },
    { channelId: id(2), latestUpdateId: 7n },
    { channelId: id(3), latestUpdateId: 9n },
    { channelId: id(4), latestUpdateId: 2n },
  ];
  const channels = [
    { channelId: id(1), latestUpdateId: 5n },
    { channelId: id(2), latestUpdateId: 9n },
    { channelId: id(3), latestUpdateId: 8n },
    { channelId: id(5), latestUpdateId: 1n },
  ];
  assert.equal(checkMonitorsAgainstChannels(monitors, channels), [
    { type: 'MonitorBehind', channelId: id(2), monitorUpdateId: 7n, managerUpdateId: 9n },
    { type: 'MonitorAhead', channelId: id(3), monitorUpdateId: 9n, managerUpdateId: 8n },
    { type: 'MissingMonitor', channelId: id(5), managerUpdateId: 1n },
    { type: 'UnknownToManager', channelId: id(4), monitorUpdateId: 2n },
  ]);
  assert.equal(checkMonitorsAgainstChannels(monitors.slice(0, 1), channels.slice(0, 1)), []);
});

test.run();
