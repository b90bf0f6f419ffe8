/**
 * Wallets through the Wallet Standard: the ones the page can use (they sign Solana
 * transactions), connecting one, and a `@solana/kit` signer that asks it to sign.
 */
import {
  type Address,
  getTransactionDecoder,
  getTransactionEncoder,
  type SignatureDictionary,
  type TransactionPartialSigner,
} from '@solana/kit';
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from '@solana/wallet-standard-features';
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import { StandardConnect, type StandardConnectFeature } from '@wallet-standard/features';

/** Wallets that can connect and sign Solana transactions. */
export function usableWallets(): Wallet[] {
  return getWallets()
    .get()
    .filter((w) => StandardConnect in w.features && SolanaSignTransaction in w.features);
}

/** Calls `listener` whenever a wallet registers. */
export function onWalletsChanged(listener: () => void): () => void {
  return getWallets().on('register', listener);
}

export interface Connected {
  wallet: Wallet;
  address: Address;
  signer: TransactionPartialSigner;
}

/** Connects `wallet` and returns its first account as a kit signer. */
export async function connect(wallet: Wallet): Promise<Connected> {
  const { connect: open } = (wallet.features as StandardConnectFeature)[StandardConnect];
  const { accounts } = await open();
  const account: WalletAccount | undefined = accounts[0];
  if (!account) throw new Error(`${wallet.name} has no account to connect`);
  const address = account.address as Address;
  const { signTransaction } = (wallet.features as SolanaSignTransactionFeature)[SolanaSignTransaction];
  const signer: TransactionPartialSigner = {
    address,
    async signTransactions(transactions) {
      const encoder = getTransactionEncoder();
      const outputs = await signTransaction(
        ...transactions.map((tx) => ({ account, transaction: new Uint8Array(encoder.encode(tx)) })),
      );
      return outputs.map(({ signedTransaction }): SignatureDictionary => {
        const signature = getTransactionDecoder().decode(signedTransaction).signatures[address];
        if (!signature) throw new Error(`${wallet.name} did not sign`);
        return { [address]: signature };
      });
    },
  };
  return { wallet, address, signer };
}
