/**
 * The development wallet: a Wallet Standard wallet for local networks, holding one keypair in
 * this browser's localStorage (`tessera.devkey`, a Solana keypair file's 64 numbers). It signs
 * whatever the page asks without a prompt, so it is registered only for a local RPC.
 */
import {
  createKeyPairFromBytes,
  createKeyPairFromPrivateKeyBytes,
  getAddressFromPublicKey,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
} from '@solana/kit';
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from '@solana/wallet-standard-features';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import {
  StandardConnect,
  type StandardConnectFeature,
  StandardDisconnect,
  type StandardDisconnectFeature,
  StandardEvents,
  type StandardEventsFeature,
  type StandardEventsListeners,
} from '@wallet-standard/features';
import { ReadonlyWalletAccount, registerWallet } from '@wallet-standard/wallet';

export const DEV_WALLET_NAME = 'Tessera Dev Wallet';
const STORAGE_KEY = 'tessera.devkey';
const CHAIN = 'solana:localnet' as const;
const ICON =
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iIzFmNmZlYiIvPjwvc3ZnPg==' as const;

/** The stored keypair's 64 bytes, created on first use. */
async function storedKey(): Promise<Uint8Array> {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored) return Uint8Array.from(JSON.parse(stored) as number[]);
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const pair = await createKeyPairFromPrivateKeyBytes(seed, true);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const bytes = Uint8Array.from([...seed, ...publicKey]);
  localStorage.setItem(STORAGE_KEY, JSON.stringify([...bytes]));
  return bytes;
}

class DevWallet implements Wallet {
  readonly version = '1.0.0' as const;
  readonly name = DEV_WALLET_NAME;
  readonly icon = ICON;
  readonly chains = [CHAIN];
  #accounts: WalletAccount[] = [];
  #listeners: StandardEventsListeners['change'][] = [];
  #pair: Promise<{ keys: CryptoKeyPair; account: WalletAccount }>;

  constructor() {
    this.#pair = storedKey().then(async (bytes) => {
      const keys = await createKeyPairFromBytes(bytes);
      const address = await getAddressFromPublicKey(keys.publicKey);
      const account = new ReadonlyWalletAccount({
        address, publicKey: bytes.slice(32), chains: [CHAIN], features: [SolanaSignTransaction],
      });
      return { keys, account };
    });
  }

  get accounts(): readonly WalletAccount[] {
    return this.#accounts;
  }

  get features(): StandardConnectFeature & StandardDisconnectFeature & StandardEventsFeature & SolanaSignTransactionFeature {
    return {
      [StandardConnect]: { version: '1.0.0', connect: () => this.#connect() },
      [StandardDisconnect]: { version: '1.0.0', disconnect: () => { this.#set([]); return Promise.resolve(); } },
      [StandardEvents]: {
        version: '1.0.0',
        on: (_event, listener) => {
          this.#listeners.push(listener);
          return () => { this.#listeners = this.#listeners.filter((l) => l !== listener); };
        },
      },
      [SolanaSignTransaction]: {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs) => Promise.all(inputs.map(async ({ transaction }) => {
          const { keys } = await this.#pair;
          const decoded = getTransactionDecoder().decode(transaction);
          const signed = await partiallySignTransaction([keys], decoded);
          return { signedTransaction: new Uint8Array(getTransactionEncoder().encode(signed)) };
        })),
      },
    };
  }

  async #connect() {
    const { account } = await this.#pair;
    this.#set([account]);
    return { accounts: this.#accounts };
  }

  #set(accounts: WalletAccount[]) {
    this.#accounts = accounts;
    for (const listener of this.#listeners) listener({ accounts });
  }
}

/** Registers the development wallet with the page's Wallet Standard registry. */
export function registerDevWallet(): void {
  registerWallet(new DevWallet());
}
