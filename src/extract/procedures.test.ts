import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';
import { isHowToHeading } from './procedures.js';

describe('procedures under how-to headings', () => {
  const doc = extract(
    'install.md',
    [
      '# Guide',
      '',
      '## Installing nginx',
      '',
      '1. Update the package index with `apt-get update`.',
      '2. Install the package:',
      '',
      '   ```console',
      '   $ sudo apt-get install nginx',
      '   ```',
      '',
      '   * On Debian the service starts at once.',
      '',
      '3. Check that it runs with `systemctl status nginx`.',
      '',
      '## Release history',
      '',
      '1. The first release.',
      '2. The second release.',
    ].join('\n'),
  );

  it('finds the procedure with its steps in order', () => {
    const p = doc.entity('Procedure', 'Guide > Installing nginx');
    expect(p?.attributes).toEqual({ steps: 3, title: 'Installing nginx' });
    expect(doc.edgesOf('DEFINES', p).map((e) => e.src)).toEqual([doc.section('Installing nginx').id]);
    const steps = doc.edgesOf('HAS_STEP', p).map((e) => ({ order: e.weight, text: doc.entities.find((x) => x.id === e.dst)?.attributes.text }));
    expect(steps.sort((a, b) => a.order - b.order)).toEqual([
      { order: 1, text: 'Update the package index with `apt-get update`.' },
      { order: 2, text: 'Install the package:\n\n```console\n$ sudo apt-get install nginx\n```' },
      { order: 3, text: 'Check that it runs with `systemctl status nginx`.' },
    ]);
  });

  it('keeps the order on the step entity too', () => {
    expect(doc.entity('Step', 'Guide > Installing nginx > step 2')?.attributes).toEqual({
      order: 2,
      procedure: 'Guide > Installing nginx',
      text: 'Install the package:\n\n```console\n$ sudo apt-get install nginx\n```',
    });
  });

  it('does not take an ordered list under a non-how-to heading for a procedure', () => {
    expect(doc.names('Procedure')).toEqual(['Guide > Installing nginx']);
  });
});

describe('procedures announced by a lead-in line', () => {
  const doc = extract(
    'tls.md',
    [
      '# TLS',
      '',
      '## Certificates',
      '',
      'Certificates expire. To configure automatic renewal:',
      '',
      '1. Install certbot.',
      '2. Run `certbot renew --dry-run`.',
      '',
      'Some facts:',
      '',
      '1. Certificates are signed.',
      '2. Keys are secret.',
    ].join('\n'),
  );

  it('names the procedure after the goal of the lead-in', () => {
    expect(doc.names('Procedure')).toEqual(['TLS > Certificates > Configure automatic renewal']);
    expect(doc.names('Step')).toEqual(['TLS > Certificates > Configure automatic renewal > step 1', 'TLS > Certificates > Configure automatic renewal > step 2']);
  });
});

describe('isHowToHeading', () => {
  it.each(['How to rotate the TLS certificate', 'Installing', 'Configure logging', 'Setting up a replica', 'Getting started', 'Building'])('%s', (h) => {
    expect(isHowToHeading(h)).toBe(true);
  });
  it.each(['Release history', 'String paths', 'Warning', 'Class: fs.Dir', 'Timing attacks'])('not %s', (h) => {
    expect(isHowToHeading(h)).toBe(false);
  });
});

describe('steps under a generic heading', () => {
  const doc = extract(
    'guides/deploy.md',
    [
      '# Deploying',
      '',
      '## Deploy the relay behind a load balancer',
      '',
      'The relay needs a fixed port.',
      '',
      '### Steps',
      '',
      '1. Open port 8443 on every host.',
      '2. Start each relay.',
      '3. Add the hosts to the pool.',
      '',
      '## Reference',
      '',
      '### Steps',
      '',
      '1. The first value.',
      '2. The second value.',
      '',
    ].join('\n'),
  );

  it('takes "### Steps" as the procedure its how-to parent heading names', () => {
    const procs = doc.entities.filter((e) => e.type === 'Procedure');
    expect(procs.map((p) => p.attributes.title)).toEqual(['Deploy the relay behind a load balancer']);
    expect(doc.edgesOf('HAS_STEP', procs[0]).map((e) => e.weight)).toEqual([1, 2, 3]);
  });
});

describe('steps keep the code they carry', () => {
  const doc = extract(
    'keys.md',
    [
      '# Keys',
      '',
      '## Rotate the signing key',
      '',
      '1. Generate a new key:',
      '',
      '        openssl genpkey -algorithm ed25519 -out new.key',
      '',
      '2. Rotate:',
      '',
      '   ```sh',
      '   acme keys rotate --key new.key',
      '   ```',
      '',
      '3. Restart the agents.',
      '',
      '```sh',
      'acme status',
      '```',
    ].join('\n'),
  );
  const text = (n: number): unknown => doc.entity('Step', `Keys > Rotate the signing key > step ${n}`)?.attributes.text;

  it('an indented code block', () => {
    expect(text(1)).toBe('Generate a new key:\n\n```\nopenssl genpkey -algorithm ed25519 -out new.key\n```');
  });

  it('a fenced code block indented under the step', () => {
    expect(text(2)).toBe('Rotate:\n\n```sh\nacme keys rotate --key new.key\n```');
  });

  it('not a code block after the list', () => {
    expect(text(3)).toBe('Restart the agents.');
  });
});
