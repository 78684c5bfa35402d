import { Box, Text } from 'ink';

import { sanitize } from '../format.js';
import { describeOp } from '../offline/ops.js';
import { readableTime } from '../time-text.js';
import type { QueueListing } from '../views/queue-listing.js';
import { Table } from './table.js';
import { type Theme, tone } from './theme.js';

export interface QueueViewProps {
  listing: QueueListing;
  theme: Theme;
}

/** The outbox: what will be sent, in order, then what the server refused and why. */
export function QueueView({ listing, theme }: QueueViewProps) {
  if (listing.pending.length === 0 && listing.failed.length === 0) {
    return <Text>Nothing queued for {listing.server}.</Text>;
  }
  const rows = [
    ...listing.pending.map((entry) => [`#${entry.id}`, 'pending', readableTime(entry.queuedAt, Date.now()), sanitize(describeOp(entry.op)), '']),
    ...listing.failed.map((entry) => [
      `#${entry.id}`,
      'failed',
      readableTime(entry.queuedAt, Date.now()),
      sanitize(describeOp(entry.op)),
      sanitize(`${entry.reason}${entry.code === null ? '' : ` (${entry.code})`}`),
    ]),
  ];
  return (
    <Box flexDirection="column">
      <Table
        theme={theme}
        columns={[{ header: 'ID' }, { header: 'State' }, { header: 'Queued at' }, { header: 'Change' }, { header: 'Reason', flexible: true }]}
        rows={rows}
      />
      <Box marginTop={1}>
        <Text {...tone(theme, 'muted')}>
          {listing.pending.length > 0 ? 'shop sync sends the pending ones. ' : ''}
          {listing.failed.length > 0 ? 'shop queue retry [ID] queues a failed one again; shop queue drop ID forgets one.' : ''}
        </Text>
      </Box>
    </Box>
  );
}
