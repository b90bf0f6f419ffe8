/** The one SPL instruction every Tessera flow needs: an associated token account, if missing. */
import { AccountRole, type Address, type Instruction, type TransactionSigner } from '@solana/kit';

import { ASSOCIATED_TOKEN_PROGRAM_ADDRESS, associatedTokenAddress, TOKEN_PROGRAM_ADDRESS } from './pda';

const SYSTEM_PROGRAM_ADDRESS = '11111111111111111111111111111111' as Address;

/** Creates `owner`'s associated token account for `mint`, paid by `payer`; a no-op if it exists. */
export async function createAssociatedTokenIdempotent(
  payer: TransactionSigner,
  owner: Address,
  mint: Address,
): Promise<Instruction> {
  return {
    programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
    accounts: [
      { address: payer.address, role: AccountRole.WRITABLE_SIGNER, signer: payer },
      { address: await associatedTokenAddress(owner, mint), role: AccountRole.WRITABLE },
      { address: owner, role: AccountRole.READONLY },
      { address: mint, role: AccountRole.READONLY },
      { address: SYSTEM_PROGRAM_ADDRESS, role: AccountRole.READONLY },
      { address: TOKEN_PROGRAM_ADDRESS, role: AccountRole.READONLY },
    ],
    data: new Uint8Array([1]),
  } as Instruction;
}
