// A test wallet for the Playwright tests: a Wallet Standard wallet that registers itself in the
// page through the standard's window events (`wallet-standard:register-wallet` /
// `wallet-standard:app-ready`, what `registerWallet` of @wallet-standard/wallet does) and signs
// with an Ed25519 key handed to it by the test (WebCrypto). The app finds it with `getWallets()`
// like any browser extension; nothing in the app knows about it.
//
// The test loads this file as an init script followed by
// `installSpiceTestWallet({ name, seed, address, rpcUrl, chains })`, `seed` being the 32-byte
// private key in base64. It drives the "user" through `window.__spiceTestWallet`:
//   rejectNext(n)  the next n signature requests are rejected, as a user pressing "Reject";
//   requests       every request the wallet saw: { kind, at, rejected, transactions };
//   approveConnect whether `standard:connect` succeeds (default true).
// Plain JavaScript on purpose: it runs as is in the page, before the app, with no bundler.

/* eslint-disable */
function installSpiceTestWallet(config) {
  'use strict';
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

  function base58(bytes) {
    const digits = [];
    for (const byte of bytes) {
      let carry = byte;
      for (let i = 0; i < digits.length; i++) {
        carry += digits[i] << 8;
        digits[i] = carry % 58;
        carry = (carry / 58) | 0;
      }
      while (carry > 0) {
        digits.push(carry % 58);
        carry = (carry / 58) | 0;
      }
    }
    let out = '';
    for (const byte of bytes) {
      if (byte !== 0) break;
      out += '1';
    }
    for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]];
    return out;
  }

  function base58Decode(text) {
    const bytes = [];
    for (const ch of text) {
      const value = ALPHABET.indexOf(ch);
      if (value < 0) throw new Error('not base58: ' + text);
      let carry = value;
      for (let i = 0; i < bytes.length; i++) {
        carry += bytes[i] * 58;
        bytes[i] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) {
        bytes.push(carry & 0xff);
        carry >>= 8;
      }
    }
    for (const ch of text) {
      if (ch !== '1') break;
      bytes.push(0);
    }
    return new Uint8Array(bytes.reverse());
  }

  function fromBase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function toBase64(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  // A compact-u16 (shortvec) at `offset`: [value, bytes read].
  function shortvec(bytes, offset) {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = bytes[offset + i];
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return [value, i + 1];
    }
    throw new Error('bad compact-u16');
  }

  const publicKey = base58Decode(config.address);
  // PKCS#8 wrapping of a raw Ed25519 private key (RFC 8410).
  const pkcs8 = new Uint8Array([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ...fromBase64(config.seed),
  ]);
  const keyPromise = crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);

  const state = {
    requests: [],
    rejecting: 0,
    approveConnect: true,
    rejectNext(n) {
      state.rejecting = n === undefined ? 1 : n;
    },
  };
  window.__spiceTestWallet = state;

  function rejection() {
    // What extensions answer (EIP-1193's code, used by Phantom and others).
    const error = new Error('User rejected the request.');
    error.code = 4001;
    error.name = 'WalletSignTransactionError';
    return error;
  }

  // Signs a wire transaction (legacy or v0) in place of our signature slot.
  async function signWire(wire) {
    const bytes = new Uint8Array(wire);
    const [count, read] = shortvec(bytes, 0);
    const messageStart = read + 64 * count;
    const message = bytes.subarray(messageStart);
    let at = 0;
    if (message[0] & 0x80) at = 1; // versioned message prefix
    const required = message[at];
    at += 3;
    const [keys, keysRead] = shortvec(message, at);
    at += keysRead;
    let index = -1;
    for (let i = 0; i < Math.min(required, keys); i++) {
      const key = message.subarray(at + 32 * i, at + 32 * (i + 1));
      if (key.every((b, j) => b === publicKey[j])) index = i;
    }
    if (index < 0 || index >= count) throw new Error('the transaction does not need this wallet to sign');
    const key = await keyPromise;
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, message));
    bytes.set(signature, read + 64 * index);
    return { signed: bytes, signature };
  }

  async function gate(kind, transactions) {
    const request = { kind, at: Date.now(), rejected: false, transactions: transactions.length };
    state.requests.push(request);
    // A user takes a moment to read the request.
    await new Promise((resolve) => setTimeout(resolve, 30));
    if (state.rejecting > 0) {
      state.rejecting -= 1;
      request.rejected = true;
      throw rejection();
    }
  }

  const chains = config.chains || ['solana:localnet'];
  const features = ['solana:signTransaction', 'solana:signAndSendTransaction'];
  const account = Object.freeze({
    address: config.address,
    publicKey,
    chains,
    features,
    label: config.name,
  });
  let accounts = [];
  const listeners = { change: [] };
  function emit(event, properties) {
    for (const listener of listeners[event] || []) listener(properties);
  }

  const wallet = {
    version: '1.0.0',
    name: config.name || 'Spice Test Wallet',
    icon:
      'data:image/svg+xml;base64,' +
      btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#b5651d"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff">T</text></svg>'),
    chains,
    get accounts() {
      return accounts;
    },
    features: {
      'standard:connect': {
        version: '1.0.0',
        async connect() {
          state.requests.push({ kind: 'connect', at: Date.now(), rejected: !state.approveConnect, transactions: 0 });
          if (!state.approveConnect) throw rejection();
          accounts = [account];
          emit('change', { accounts });
          return { accounts };
        },
      },
      'standard:disconnect': {
        version: '1.0.0',
        async disconnect() {
          accounts = [];
          emit('change', { accounts });
        },
      },
      'standard:events': {
        version: '1.0.0',
        on(event, listener) {
          (listeners[event] = listeners[event] || []).push(listener);
          return () => {
            listeners[event] = (listeners[event] || []).filter((l) => l !== listener);
          };
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        async signTransaction(...inputs) {
          await gate('signTransaction', inputs);
          const out = [];
          for (const input of inputs) {
            if (input.account.address !== config.address) throw new Error('unknown account');
            out.push({ signedTransaction: (await signWire(input.transaction)).signed });
          }
          return out;
        },
      },
      'solana:signAndSendTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        async signAndSendTransaction(...inputs) {
          await gate('signAndSendTransaction', inputs);
          const out = [];
          for (const input of inputs) {
            const { signed, signature } = await signWire(input.transaction);
            const response = await fetch(config.rpcUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: 1,
                method: 'sendTransaction',
                params: [toBase64(signed), { encoding: 'base64', preflightCommitment: 'confirmed' }],
              }),
            });
            const body = await response.json();
            if (body.error) throw new Error(body.error.message);
            out.push({ signature });
          }
          return out;
        },
      },
    },
  };

  // The Wallet Standard's registration handshake, both directions.
  const callback = ({ register }) => register(wallet);
  try {
    window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
  } catch (error) {
    console.error('wallet-standard:register-wallet could not be dispatched', error);
  }
  window.addEventListener('wallet-standard:app-ready', (event) => callback(event.detail));
  return base58(publicKey) === config.address;
}
