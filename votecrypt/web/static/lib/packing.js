// Packing a row's outcome into base-B digits over lanes (spec 6.1, 6.2), as
// votecrypt/primitives/packing.py. Outcome 0 is the zero vector; outcome i >= 1 is digit i - 1.

/** The largest value one lane may reach after aggregation (spec 6.2). */
export const MAX_LANE_PLAINTEXT = 2n ** 40n;

/** The largest sum over a ballot's rows and lanes of (largest lane value + 1) (spec 6.2). */
export const DECODE_BUDGET = 2n ** 34n;

export class Packing {
  /**
   * The packing of every row of a ballot of `rows` rows of `outcomes` outcomes, for at most
   * `maxBallots` ballots (spec 6.2).
   */
  constructor(outcomes, maxBallots, rows) {
    if (!Number.isSafeInteger(outcomes) || outcomes < 2) throw new Error('a row needs at least two outcomes');
    if (!Number.isSafeInteger(maxBallots) || maxBallots < 1) throw new Error('an election needs at least one ballot');
    if (!Number.isSafeInteger(rows) || rows < 1) throw new Error('a ballot needs at least one row');
    const max = BigInt(maxBallots);
    if (max > MAX_LANE_PLAINTEXT) throw new Error('too many ballots for one base-B digit per lane');
    const base = max + 1n;
    let digits = 1;
    while (digits < outcomes - 1) {
      const wider = digits + 1;
      if (max * base ** BigInt(wider - 1) > MAX_LANE_PLAINTEXT) break;
      if (BigInt(rows) * decodeWork(outcomes, base, wider, max) > DECODE_BUDGET) break;
      digits = wider;
    }
    this.outcomes = outcomes;
    this.base = base;
    this.digitsPerLane = digits;
    this.lanes = Math.ceil((outcomes - 1) / digits);
    Object.freeze(this);
  }

  /** The lane vector (bigints) of one outcome, 0 <= outcome < k. */
  encode(outcome) {
    if (!Number.isSafeInteger(outcome) || outcome < 0 || outcome >= this.outcomes) {
      throw new Error('no such outcome');
    }
    const vector = new Array(this.lanes).fill(0n);
    if (outcome > 0) {
      const lane = Math.floor((outcome - 1) / this.digitsPerLane);
      const position = (outcome - 1) % this.digitsPerLane;
      vector[lane] = this.base ** BigInt(position);
    }
    return vector;
  }

  /** Every outcome's lane vector, in outcome order: the set-membership value list. */
  allowed() {
    return Array.from({ length: this.outcomes }, (_, outcome) => this.encode(outcome));
  }

  digitsInLane(lane) {
    return Math.min(this.digitsPerLane, this.outcomes - 1 - lane * this.digitsPerLane);
  }

  /** The largest value lane `lane` can hold after adding `ballots` ballots. */
  laneBound(lane, ballots) {
    return BigInt(ballots) * this.base ** BigInt(this.digitsInLane(lane) - 1);
  }
}

/** A row's share of the decoding work: sum over lanes of (lane bound + 1) (spec 6.2, 6.4). */
function decodeWork(outcomes, base, digitsPerLane, ballots) {
  let work = 0n;
  for (let first = 0; first < outcomes - 1; first += digitsPerLane) {
    const width = Math.min(digitsPerLane, outcomes - 1 - first);
    work += ballots * base ** BigInt(width - 1) + 1n;
  }
  return work;
}
