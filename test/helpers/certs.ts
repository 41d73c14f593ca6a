// Test certificates: the bench's maker (bench/certs.ts), one helper for both.
export { makeCertificate, tempDir, type TestCertificate } from '../../bench/certs.js';
