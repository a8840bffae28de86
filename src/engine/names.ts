/** Container IDs (64 hex) and Docker-style random names (adjective_surname). */
import crypto from 'node:crypto';
import { invalidArgument } from '../errors.js';

const ADJECTIVES = [
  'admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'busy', 'charming',
  'clever', 'compassionate', 'confident', 'cool', 'cranky', 'crazy', 'dazzling', 'determined', 'dreamy', 'eager',
  'ecstatic', 'elastic', 'elated', 'elegant', 'epic', 'exciting', 'fervent', 'festive', 'focused', 'friendly',
  'frosty', 'funny', 'gallant', 'gifted', 'goofy', 'gracious', 'happy', 'hardcore', 'heuristic', 'hopeful',
  'hungry', 'infallible', 'inspiring', 'intelligent', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving',
  'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty', 'nostalgic',
  'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed',
  'reverent', 'romantic', 'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'strange', 'stupefied',
  'suspicious', 'sweet', 'tender', 'thirsty', 'trusting', 'unruffled', 'upbeat', 'vibrant', 'vigilant', 'vigorous',
  'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous', 'zen',
];

const SURNAMES = [
  'agnesi', 'albattani', 'allen', 'archimedes', 'babbage', 'banach', 'bardeen', 'bartik', 'bell', 'bhabha',
  'black', 'blackwell', 'bohr', 'booth', 'borg', 'bose', 'brahmagupta', 'brattain', 'brown', 'carson',
  'cerf', 'chandrasekhar', 'chatelet', 'clarke', 'cohen', 'curie', 'darwin', 'dijkstra', 'dirac', 'driscoll',
  'dubinsky', 'einstein', 'elion', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin',
  'galileo', 'gauss', 'goldberg', 'goldwasser', 'goodall', 'hamilton', 'hawking', 'heisenberg', 'hertz', 'hodgkin',
  'hofstadter', 'hopper', 'hypatia', 'jackson', 'jang', 'johnson', 'kalam', 'keldysh', 'kepler', 'khorana',
  'knuth', 'kowalevski', 'lalande', 'lamarr', 'leakey', 'leavitt', 'lovelace', 'lumiere', 'mayer', 'mccarthy',
  'mcclintock', 'meitner', 'mendel', 'minsky', 'mirzakhani', 'morse', 'napier', 'nash', 'newton', 'nobel',
  'noether', 'pascal', 'pasteur', 'payne', 'perlman', 'pike', 'poincare', 'ptolemy', 'raman', 'ramanujan',
  'ride', 'ritchie', 'rosalind', 'sammet', 'shannon', 'shockley', 'sinoussi', 'stallman', 'swanson', 'tesla',
  'thompson', 'torvalds', 'turing', 'varahamihira', 'villani', 'wescoff', 'wiles', 'williams', 'wilson', 'wozniak',
  'wright', 'yalow', 'yonath', 'zhukovsky',
];

export type ContainerId = string & { readonly __brand: 'ContainerId' };

export function newContainerId(): ContainerId {
  return crypto.randomBytes(32).toString('hex') as ContainerId;
}

/** `adjective_surname`; after the first clash the caller asks again with `retry` > 0 for a digit suffix. */
export function randomName(retry = 0): string {
  const pick = <T>(a: readonly T[]) => a[crypto.randomInt(a.length)];
  const base = `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
  return retry > 0 ? `${base}${crypto.randomInt(10)}` : base;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's rule for --name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, a leading `/` allowed. */
export function validateName(name: string): string {
  const n = name.replace(/^\//, '');
  if (!NAME_RE.test(n) || n.length > 128) {
    throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return n;
}
