/** The connected wallet's stake: bonded, unbonding and when, claimable rewards; stake and claim. */
import { parseAmount } from '@tessera/client';
import { useEffect, useState } from 'preact/hooks';

import * as actions from '../actions';
import { tokenBalance } from '../chain';
import { date, tokens, until } from '../format';
import type { PageProps } from './shared';
import { ActionForm, Card } from '../ui';

/** Fixed-point scale of the staking accumulator (`tessera::math::REWARD_SCALE`). */
const REWARD_SCALE = 1_000_000_000_000n;
const STAKE_DECIMALS = 9;

export function Staking({ snap, wallet, refresh }: PageProps) {
  const [stakeTokens, setStakeTokens] = useState<bigint | null>(null);
  const stakePool = snap.stakes;
  useEffect(() => {
    if (wallet) void tokenBalance(wallet.address, snap.protocol.stakeMint).then(setStakeTokens);
  }, [wallet, snap]);
  const total = stakePool.reduce((s, p) => s + p.data.amount, 0n);
  if (!wallet) {
    return (
      <>
        <h1>Staking</h1>
        <p>{stakePool.length} stakers, {tokens(total, STAKE_DECIMALS, snap.stakeUnit)} staked in all.</p>
        <p class="muted">Connect a wallet to see and change your stake.</p>
      </>
    );
  }
  const mine = stakePool.find((p) => p.data.owner === wallet.address)?.data;
  const acc = snap.stakeAccumulator;
  const claimable = mine ? mine.unclaimedRewards + (mine.amount * acc) / REWARD_SCALE - mine.rewardDebt : 0n;
  return (
    <>
      <h1>Staking</h1>
      <div class="cards">
        <Card label="staked" value={tokens(mine?.amount ?? 0n, STAKE_DECIMALS, snap.stakeUnit)} test="staked" />
        <Card label="unbonding" value={mine && mine.unbondingAmount > 0n ? `${tokens(mine.unbondingAmount, STAKE_DECIMALS, snap.stakeUnit)}, free ${until(mine.unbondingEndsAt, snap.now)} (${date(mine.unbondingEndsAt)})` : 'none'} />
        <Card label="locked by open leases" value={tokens(mine?.lockedAmount ?? 0n, STAKE_DECIMALS, snap.stakeUnit)} />
        <Card label="claimable rewards" value={tokens(claimable > 0n ? claimable : 0n, snap.decimals, snap.unit)} test="claimable" />
        <Card label="protocol tokens in the wallet" value={stakeTokens === null ? '…' : tokens(stakeTokens, STAKE_DECIMALS, snap.stakeUnit)} />
      </div>
      <ActionForm name="stake" label="Stake" placeholder="protocol tokens" run={async (v) => {
        await actions.stake(wallet.signer, snap.protocol.stakeMint, parseAmount(v, STAKE_DECIMALS, 'stake'));
        await refresh();
        return `staked ${v}`;
      }} />
      <ActionForm name="claim" label="Claim rewards" run={async () => {
        await actions.claimRewards(wallet.signer, snap.protocol.settlementMint);
        await refresh();
        return 'claimed';
      }} />
    </>
  );
}
