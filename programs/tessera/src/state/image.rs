//! How a Tessera account is written back. The layout, discriminator, owner, reading and IDL are
//! exactly what `#[account]` gives; only the write differs. Anchor writes an account back on exit
//! through `BpfWriter`, one `sol_memcpy` syscall per Borsh field (a pool has 60);
//! [`tessera_account!`] builds the whole image in an [`Image`], each field copied in place, and
//! hands it over in one write (docs/performance.md#compute-units-sbf).

use std::io;

/// A fixed-capacity buffer that Borsh writes an account image into, each field copied inline.
pub struct Image<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Image<N> {
    /// An empty image.
    #[inline(always)]
    pub fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// What has been written.
    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> Default for Image<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> io::Write for Image<N> {
    #[inline(always)]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data).map(|()| data.len())
    }

    #[inline(always)]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let end = self.len.saturating_add(data.len());
        let slot = self
            .bytes
            .get_mut(self.len..end)
            .ok_or(io::ErrorKind::WriteZero)?;
        slot.copy_from_slice(data);
        self.len = end;
        Ok(())
    }

    #[inline(always)]
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Implements Anchor's account traits for `$name` (which derives `AnchorSerialize`,
/// `AnchorDeserialize`, `Clone` and `InitSpace`) as `#[account]` would, with `$disc` the
/// discriminator `#[account]` derives (`sha256("account:<name>")[..8]`, checked by a test).
macro_rules! tessera_account {
    ($name:ident, $disc:expr) => {
        impl anchor_lang::Discriminator for $name {
            const DISCRIMINATOR: &'static [u8] = &$disc;
        }

        impl anchor_lang::Owner for $name {
            fn owner() -> Pubkey {
                crate::ID
            }
        }

        impl anchor_lang::AccountSerialize for $name {
            fn try_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<()> {
                let mut image = $crate::state::image::Image::<
                    { 8 + <$name as anchor_lang::Space>::INIT_SPACE },
                >::new();
                std::io::Write::write_all(
                    &mut image,
                    <Self as anchor_lang::Discriminator>::DISCRIMINATOR,
                )
                .and_then(|()| AnchorSerialize::serialize(self, &mut image))
                .and_then(|()| writer.write_all(image.as_slice()))
                .map_err(|_| anchor_lang::error::ErrorCode::AccountDidNotSerialize.into())
            }
        }

        impl anchor_lang::AccountDeserialize for $name {
            fn try_deserialize(buf: &mut &[u8]) -> Result<Self> {
                let disc = <Self as anchor_lang::Discriminator>::DISCRIMINATOR;
                if buf.len() < disc.len() {
                    return Err(anchor_lang::error::ErrorCode::AccountDiscriminatorNotFound.into());
                }
                if &buf[..disc.len()] != disc {
                    return Err(anchor_lang::error!(
                        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch
                    )
                    .with_account_name(stringify!($name)));
                }
                Self::try_deserialize_unchecked(buf)
            }

            fn try_deserialize_unchecked(buf: &mut &[u8]) -> Result<Self> {
                let disc = <Self as anchor_lang::Discriminator>::DISCRIMINATOR;
                let mut data: &[u8] = buf.get(disc.len()..).unwrap_or_default();
                AnchorDeserialize::deserialize(&mut data)
                    .map_err(|_| anchor_lang::error::ErrorCode::AccountDidNotDeserialize.into())
            }
        }
    };
}

pub(crate) use tessera_account;

#[cfg(test)]
mod tests {
    use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator};

    use crate::state::*;

    /// What `#[account]` would have derived for `name`.
    fn anchor_discriminator(name: &str) -> Vec<u8> {
        solana_sha256_hasher::hash(format!("account:{name}").as_bytes()).to_bytes()[..8].to_vec()
    }

    #[test]
    fn every_discriminator_is_the_one_account_derives() {
        for (name, disc) in [
            ("Bid", Bid::DISCRIMINATOR),
            ("Lease", Lease::DISCRIMINATOR),
            ("Node", Node::DISCRIMINATOR),
            ("Pool", Pool::DISCRIMINATOR),
            ("Protocol", Protocol::DISCRIMINATOR),
            ("Provider", Provider::DISCRIMINATOR),
            ("RedemptionTicket", RedemptionTicket::DISCRIMINATOR),
            ("StakePool", StakePool::DISCRIMINATOR),
            ("StakePosition", StakePosition::DISCRIMINATOR),
        ] {
            assert_eq!(disc, anchor_discriminator(name), "{name}");
        }
    }

    #[test]
    fn the_image_is_the_discriminator_then_borsh_and_reads_back() -> anchor_lang::Result<()> {
        let mut data = [0u8; 8 + 200];
        data[10..42].fill(7);
        let position = StakePosition::try_deserialize_unchecked(&mut &data[..])?;
        let mut image = Vec::new();
        position.try_serialize(&mut image)?;
        let mut borsh = StakePosition::DISCRIMINATOR.to_vec();
        anchor_lang::AnchorSerialize::serialize(&position, &mut borsh)?;
        assert_eq!(image, borsh);
        let back = StakePosition::try_deserialize(&mut image.as_slice())?;
        assert_eq!(format!("{back:?}"), format!("{position:?}"));
        let mut wrong = image.clone();
        wrong[0] ^= 1;
        assert!(StakePosition::try_deserialize(&mut wrong.as_slice()).is_err());
        assert!(StakePosition::try_deserialize(&mut &image[..4]).is_err());
        let mut short = [0u8; 4];
        assert!(position.try_serialize(&mut &mut short[..]).is_err());
        Ok(())
    }
}
