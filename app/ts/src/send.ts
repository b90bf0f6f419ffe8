/** Sending instructions as one transaction and waiting for it, with `@solana/kit`. */
import {
  appendTransactionMessageInstructions,
  assertIsTransactionWithBlockhashLifetime,
  createTransactionMessage,
  type GetLatestBlockhashApi,
  getSignatureFromTransaction,
  type Instruction,
  pipe,
  type Rpc,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Signature,
  type TransactionSigner,
} from '@solana/kit';

type Confirming = Parameters<typeof sendAndConfirmTransactionFactory>[0];

/**
 * A function that signs `instructions` with `feePayer` (and the signers they carry) in a
 * version 0 transaction, sends it, and resolves with its signature once it is confirmed.
 */
export function instructionSender(
  rpc: Confirming['rpc'] & Rpc<GetLatestBlockhashApi>,
  rpcSubscriptions: Confirming['rpcSubscriptions'],
): (feePayer: TransactionSigner, instructions: Instruction[]) => Promise<Signature> {
  const confirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions } as Confirming);
  return async (feePayer, instructions) => {
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(feePayer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    assertIsTransactionWithBlockhashLifetime(signed);
    await confirm(signed, { commitment: 'confirmed' });
    return getSignatureFromTransaction(signed);
  };
}
