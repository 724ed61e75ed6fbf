import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, explicit, integer, octetString, oid, sequence, set, time, tlv, utf8String } from './der.js';

// X.509 v3 certificates with ECDSA P-256 keys, written with node:crypto and der.ts: no openssl,
// works offline and inside the image. Only what a development CA and its TLS certificates need.

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export interface Issued {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
  /** For signing further certificates (the CA). */
  privateKey: KeyObject;
  publicKey: KeyObject;
  subject: string;
}

export interface CertRequest {
  /** Common name of the subject. */
  name: string;
  /** Valid from now for this many days. */
  days: number;
  /** DNS names and IP addresses the certificate is for (leaf certificates). */
  hosts?: string[];
  /** Signed by this CA; self-signed CA certificate when absent. */
  issuer?: Issued;
}

const distinguishedName = (cn: string): Buffer =>
  sequence(
    set(sequence(oid(OID.organization), utf8String('ringkv development'))),
    set(sequence(oid(OID.commonName), utf8String(cn))),
  );

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

/** SHA-1 of the subjectPublicKey bits, as RFC 5280 4.2.1.2 suggests. */
function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The EC point is the BIT STRING at the end of the SPKI (65 bytes for P-256, after the 0 pad byte).
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

function subjectAltNames(hosts: string[]): Buffer {
  return sequence(...hosts.map((h) => {
    if (isIP(h) === 4) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
    if (isIP(h) === 6) return tlv(0x87, ipv6Bytes(h));
    return tlv(0x82, Buffer.from(h, 'ascii'));
  }));
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** A new key pair and a certificate for it: a CA (no `issuer`) or a TLS server+client certificate. */
export function issueCertificate(req: CertRequest): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const isCa = req.issuer === undefined;
  const signer = req.issuer?.privateKey ?? privateKey;
  const issuerKey = req.issuer?.publicKey ?? publicKey;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and 16 bytes long
  const notBefore = new Date(Date.now() - 60_000); // tolerate a little clock skew
  const notAfter = new Date(Date.now() + req.days * 86_400_000);
  const extensions = isCa
    ? [
      extension(OID.basicConstraints, true, sequence(boolean(true))),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)), // keyCertSign, cRLSign
      extension(OID.subjectKeyId, false, octetString(keyId(publicKey))),
    ]
    : [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth))),
      extension(OID.subjectAltName, false, subjectAltNames(req.hosts ?? [])),
      extension(OID.subjectKeyId, false, octetString(keyId(publicKey))),
      extension(OID.authorityKeyId, false, sequence(tlv(0x80, keyId(issuerKey)))),
    ];
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    algorithm,
    distinguishedName(req.issuer?.subject ?? req.name),
    sequence(time(notBefore), time(notAfter)),
    distinguishedName(req.name),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signer); // DER ECDSA-Sig-Value
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    cert: pem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    publicKey: createPublicKey(privateKey),
    subject: req.name,
  };
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
