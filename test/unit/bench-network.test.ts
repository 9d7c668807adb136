import { describe, expect, it } from 'vitest';
import { networkDelta, parseSoftnetDrops, parseTcpRetransmits } from '../../bench/lib/network.js';

describe("the bench's loopback counters", () => {
  it('adds up the dropped packets of every core (the second hex column of softnet_stat)', () => {
    const softnet = [
      '008afe31 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000',
      '00802b8e 000004da 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000',
      '',
    ].join('\n');
    expect(parseSoftnetDrops(softnet)).toBe(0x4da);
    expect(parseSoftnetDrops('')).toBe(0);
  });

  it("reads TCP's RetransSegs by its header, wherever the column is", () => {
    const snmp = [
      'Ip: Forwarding DefaultTTL',
      'Ip: 1 64',
      'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
      'Tcp: 1 200 120000 -1 5 6 0 0 3 100 90 3872 0 4 0',
      'Udp: InDatagrams',
      'Udp: 1',
    ].join('\n');
    expect(parseTcpRetransmits(snmp)).toBe(3872);
    expect(parseTcpRetransmits('Ip: Forwarding\nIp: 1\n')).toBeNull();
  });

  it('gives what a window added, or null when either reading is missing', () => {
    expect(networkDelta({ backlogDrops: 10, retransmits: 5 }, { backlogDrops: 1250, retransmits: 907 })).toEqual({
      backlogDrops: 1240,
      retransmits: 902,
    });
    expect(networkDelta(null, { backlogDrops: 1, retransmits: 1 })).toBeNull();
  });
});
