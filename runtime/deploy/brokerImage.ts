import { execFile } from 'node:child_process';
import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import type Docker from 'dockerode';

import { AinError } from '../../schemas/index.ts';
import { libraryEntries, type TarEntry } from '../exec/index.ts';
import { ensureLocalImage, fingerprintOf, pruneLocalImages, type LocalImageReturnType } from './localImage.ts';
import { nodeDataDir, nodeUser } from './nodeImage.ts';

const run = promisify(execFile);

/** The broker image's repository. */
export const brokerImageRepository = 'ain-kafka';
const javaDir = 'opt/java';
const kafkaDir = 'opt/kafka';
/** The JVM's flags in the broker container (kafka.sh's). */
const jvmFlags = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
/** A JDK's parts a headless broker does not load (and whose libraries pull in X11 or GTK). */
const unneededInJava = /^(jmods|include|man|docs|demo|legal|src\.zip|ct\.sym)$|^lib(awt|atk|fontmanager|splashscreen|jsound|javajpeg|lcms|mlib_image|jawt)/;
/** Kafka's log lines to stdout, so `ain deploy logs kafka` reads them. */
const log4j = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka=INFO',
  'log4j.logger.org.apache.kafka=INFO',
  '',
].join('\n');

export interface BrokerImageParameters {
  readonly docker: Docker;
  /** A Java 17+ runtime's home; `JAVA_HOME`, else where `java` on PATH lives. */
  readonly javaHome?: string;
  /** A folder of Kafka's jars (kafka_2.13, kafka-clients, …); the newest that test/services/kafka.sh fetched by default. */
  readonly kafkaLibs?: string;
  readonly say?: (line: string) => void;
}

/**
 * A Kafka broker image built like the node image, from this machine's files: `FROM scratch` with
 * the Java runtime (`bin/java`, `lib/` and `conf/` with their links followed, without the parts a
 * headless server never loads), the libraries `ldd` lists for its binaries, the Kafka jars and a
 * log4j config to stdout; user 10001, `/data` a volume; entrypoint `java … -cp /opt/kafka/libs/*`,
 * command `kafka.Kafka /data/server.properties`. No health check: a JVM started every few seconds
 * would cost more than the broker; `ain deploy up` asks the broker itself (a Kafka client) instead.
 * @example const { tag } = await ensureBrokerImage({ docker })
 */
export async function ensureBrokerImage({ docker, javaHome, kafkaLibs, say = () => undefined }: BrokerImageParameters): Promise<LocalImageReturnType> {
  const java = javaHome ?? (await findJavaHome());
  const libs = kafkaLibs ?? (await findKafkaLibs());
  const realJava = await realpath(java);
  const javaEntries = await treeEntries(java, javaDir, (name) => !unneededInJava.test(name));
  const kafkaEntries = await treeEntries(libs, `${kafkaDir}/libs`, (name) => name.endsWith('.jar'));
  if (!kafkaEntries.some((entry) => /\/kafka_[\d.]+-[\w.-]+\.jar$/.test(entry.name))) {
    throw new AinError(
      'BAD_CONFIG',
      `${libs} holds no Kafka server jar (kafka_2.13-*.jar); run test/services/kafka.sh once (it fetches the jars), or pass --kafka-libs DIR.`,
    );
  }
  const binaries = javaEntries.flatMap((entry) =>
    entry.type === 'file' && 'path' in entry && /(^|\/)(bin\/java|[^/]+\.so)$/.test(entry.name) ? [entry.path] : [],
  );
  const { uid, name } = nodeUser;
  const base: TarEntry[] = [
    ...['usr', 'etc', 'opt', 'proc', 'sys', 'dev', kafkaDir, `${kafkaDir}/config`].map((dir): TarEntry => ({ type: 'dir', name: dir })),
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'dir', name: nodeDataDir.slice(1), mode: 0o700, owner: uid },
    {
      type: 'file',
      name: 'etc/passwd',
      bytes: Buffer.from(`root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${uid}:kafka:${nodeDataDir}:/sbin/nologin\n`),
    },
    { type: 'file', name: 'etc/group', bytes: Buffer.from(`root:x:0:\n${name}:x:${uid}:\n`) },
    { type: 'file', name: `${kafkaDir}/config/log4j.properties`, bytes: Buffer.from(log4j) },
  ];
  const all = [
    ...base,
    ...(await libraryEntries(binaries, new Set(['usr', 'etc', 'opt']), (library) => library.startsWith(`${realJava}/`))),
    ...javaEntries,
    ...kafkaEntries,
  ];
  const names = new Set<string>();
  const entries = all.filter((entry) => !names.has(entry.name) && names.add(entry.name) !== undefined);
  return ensureLocalImage({
    docker,
    repository: brokerImageRepository,
    entries,
    fingerprint: await fingerprintOf(entries),
    changes: () => [
      `USER ${uid}:${uid}`,
      `WORKDIR ${nodeDataDir}`,
      `VOLUME ${nodeDataDir}`,
      `ENTRYPOINT ${JSON.stringify([`/${javaDir}/bin/java`, ...jvmFlags, `-Dlog4j.configuration=file:/${kafkaDir}/config/log4j.properties`, '-cp', `/${kafkaDir}/libs/*`])}`,
      `CMD ${JSON.stringify(['kafka.Kafka', `${nodeDataDir}/server.properties`])}`,
    ],
    kind: 'kafka',
    say,
  });
}

/** Removes the broker images other than `keep` that no container uses. */
export const pruneBrokerImages = (docker: Docker, keep: Pick<LocalImageReturnType, 'tag'>): Promise<void> =>
  pruneLocalImages(docker, brokerImageRepository, keep);

/** `JAVA_HOME`, else the home of the `java` on PATH (its real path, two folders up). */
async function findJavaHome(): Promise<string> {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  try {
    const { stdout } = await run('sh', ['-c', 'command -v java']);
    return dirname(dirname(await realpath(stdout.trim())));
  } catch (cause) {
    throw new AinError('BAD_CONFIG', 'No Java runtime here (JAVA_HOME, or java on PATH): the Kafka broker image is built from this machine’s Java 17+.', {
      cause,
    });
  }
}

/** The newest `<version>/libs` under ain's Kafka cache that test/services/kafka.sh completed. */
async function findKafkaLibs(): Promise<string> {
  const cache = join(process.env.AIN_CACHE_DIR ?? join(homedir(), '.cache', 'ain'), 'kafka');
  const versions = (await readdir(cache).catch(() => [] as string[])).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).reverse();
  for (const version of versions) {
    const complete = await access(join(cache, version, '.complete')).then(
      () => true,
      () => false,
    );
    if (complete) return join(cache, version, 'libs');
  }
  throw new AinError(
    'BAD_CONFIG',
    `No Kafka jars in ${cache}: run test/services/kafka.sh once (it fetches them from Maven Central), or pass --kafka-libs DIR.`,
  );
}

/** The files under `root` as entries under `prefix`, links followed (a dangling one is left out), names filtered by `keep`. */
async function treeEntries(root: string, prefix: string, keep: (name: string) => boolean): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const visit = async (path: string, name: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return;
    if (info.isDirectory()) {
      entries.push({ type: 'dir', name });
      for (const child of (await readdir(path)).sort()) if (keep(child)) await visit(join(path, child), `${name}/${child}`);
    } else if (info.isFile()) {
      const real = (await lstat(path)).isSymbolicLink() ? await realpath(path) : path;
      entries.push({ type: 'file', name, mode: info.mode & 0o111 ? 0o755 : 0o644, path: real, size: info.size });
    }
  };
  const parts = prefix.split('/');
  for (let depth = 1; depth < parts.length; depth++) entries.push({ type: 'dir', name: parts.slice(0, depth).join('/') });
  await visit(root, prefix);
  return entries;
}
