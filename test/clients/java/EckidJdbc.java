// eckid through the PostgreSQL JDBC driver (Debian's libpostgresql-jdbc-java),
// as an application would use it.
//
// Run by test/shell/client_java.sh, which makes the database and the roles
// (test/clients/lib.sh) and passes their names in CLIENT_DB, CLIENT_APP and
// CLIENT_REPORT.  The driver reaches the server's unix socket in PGHOST
// through junixsocket's socket factory (Debian's libjunixsocket-java), so the
// test cluster needs no TCP listener.  Prints one line per check and exits
// non-zero if any failed.

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.Callable;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PGBinaryObject;
import org.postgresql.util.PGobject;
import org.postgresql.util.PSQLException;

public class EckidJdbc {
	static final String DB = System.getenv("CLIENT_DB");
	static final String APP = System.getenv("CLIENT_APP");
	static final String REPORT = System.getenv("CLIENT_REPORT");
	static final String[] SEGMENTS = {"201703", "pilot", "local"};
	static final int N = 200;
	static int passed = 0, failed = 0;

	/** An eckid value as a driver object: text and binary (docs/type.md, "Binary format"). */
	public static class EckidObject extends PGobject implements PGBinaryObject {
		private static final long serialVersionUID = 1L;
		static final java.util.regex.Pattern CANONICAL =
			java.util.regex.Pattern.compile("https://ketenid\\.nl/([a-z0-9]{1,16})/([0-9a-f]{128})");
		String segment;
		byte[] digest;
		boolean fromBinary;
		static boolean sentBinary;

		public EckidObject() {
			setType("eckid.eckid");
		}

		static EckidObject of(String text) throws SQLException {
			EckidObject o = new EckidObject();
			o.setValue(text);
			return o;
		}

		@Override
		public void setValue(String value) throws SQLException {
			// Any text goes to the server as it is (it validates); the parts
			// are kept only of a canonical value, for the binary format.
			super.setValue(value);
			java.util.regex.Matcher m = CANONICAL.matcher(value);
			segment = m.matches() ? m.group(1) : null;
			digest = m.matches() ? HexFormat.of().parseHex(m.group(2)) : null;
		}

		@Override
		public void setByteValue(byte[] b, int offset) {
			if (b[offset] != 1)
				throw new IllegalArgumentException("unknown format version " + b[offset]);
			int n = b[offset + 1];
			segment = new String(b, offset + 2, n, StandardCharsets.US_ASCII);
			digest = Arrays.copyOfRange(b, offset + 2 + n, offset + 2 + n + 64);
			value = "https://ketenid.nl/" + segment + "/" + HexFormat.of().formatHex(digest);
			fromBinary = true;
		}

		@Override
		public int lengthInBytes() {
			return 2 + segment.length() + 64;
		}

		@Override
		public void toBytes(byte[] bytes, int offset) {
			sentBinary = true;
			bytes[offset] = 1;
			bytes[offset + 1] = (byte) segment.length();
			System.arraycopy(segment.getBytes(StandardCharsets.US_ASCII), 0, bytes, offset + 2, segment.length());
			System.arraycopy(digest, 0, bytes, offset + 2 + segment.length(), 64);
		}
	}

	static void check(String what, Callable<Boolean> test) {
		boolean ok;
		String detail = null;
		try {
			ok = test.call();
		} catch (Exception e) {
			ok = false;
			detail = e.toString();
		}
		if (ok) passed++; else failed++;
		System.out.println((ok ? "ok " : "not ok ") + (passed + failed) + " - " + what);
		if (detail != null) System.out.println("    " + detail);
	}

	static String eckId(int i) throws Exception {
		byte[] d = MessageDigest.getInstance("SHA-512").digest(("pupil " + i).getBytes(StandardCharsets.UTF_8));
		return "https://ketenid.nl/" + SEGMENTS[i % 3] + "/" + HexFormat.of().formatHex(d);
	}

	static Connection connect(String user, Properties extra) throws SQLException {
		Properties p = new Properties();
		p.setProperty("user", user);
		p.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
		p.setProperty("socketFactoryArg", System.getenv("PGHOST") + "/.s.PGSQL." + System.getenv("PGPORT"));
		p.putAll(extra);
		return DriverManager.getConnection("jdbc:postgresql://localhost/" + DB, p);
	}

	/** The SQLSTATE a statement fails with, or null. */
	static String sqlstate(Connection c, String sql, Object... params) {
		try (PreparedStatement ps = c.prepareStatement(sql)) {
			for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
			ps.execute();
			return null;
		} catch (SQLException e) {
			lastError = e;
			return e.getSQLState();
		}
	}
	static SQLException lastError;

	static String one(Connection c, String sql, Object... params) throws SQLException {
		try (PreparedStatement ps = c.prepareStatement(sql)) {
			for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
			try (ResultSet r = ps.executeQuery()) {
				return r.next() ? r.getString(1) : null;
			}
		}
	}

	public static void main(String[] args) throws Exception {
		Connection app = connect(APP, new Properties());
		Statement st = app.createStatement();
		st.execute("CREATE TABLE school.pupils (id integer PRIMARY KEY, name text, bsn text, eck_id eckid.eckid)");
		String oid = one(app, "SELECT 'eckid.eckid'::regtype::oid");

		// Text format.  A PGobject of type eckid.eckid goes as text typed eckid.
		String messy = "  HTTPS://KETENID.NL/" + SEGMENTS[1] + "/" + eckId(1).substring(eckId(1).lastIndexOf('/') + 1).toUpperCase() + " ";
		try (PreparedStatement ps = app.prepareStatement("INSERT INTO school.pupils VALUES (?, ?, ?, ?)")) {
			ps.setInt(1, 1);
			ps.setString(2, "pupil 1");
			ps.setString(3, "123456782");
			ps.setObject(4, EckidObject.of(messy));
			ps.executeUpdate();
		}
		check("text bind parameter (PGobject \"eckid.eckid\"): stored and read back canonical",
			() -> one(app, "SELECT eck_id FROM school.pupils WHERE id = 1").equals(eckId(1)));
		check("setString with ?::eckid.eckid in WHERE (eckid's =, in pg_catalog, without a search_path)",
			() -> one(app, "SELECT id FROM school.pupils WHERE eck_id = ?::eckid.eckid", eckId(1)).equals("1"));
		check("setString without a cast is a varchar parameter: 42804 in INSERT (docs/troubleshooting.md)",
			() -> "42804".equals(sqlstate(app, "INSERT INTO school.pupils (id, eck_id) VALUES (99, ?)", eckId(99))));
		check("and 42883 (operator does not exist: eckid.eckid = character varying) in WHERE",
			() -> "42883".equals(sqlstate(app, "SELECT 1 FROM school.pupils WHERE eck_id = ?", eckId(1))));
		Properties unspecified = new Properties();
		unspecified.setProperty("stringtype", "unspecified");
		try (Connection u = connect(APP, unspecified)) {
			check("with stringtype=unspecified, setString works in INSERT and WHERE", () -> {
				one(u, "INSERT INTO school.pupils (id, eck_id) VALUES (3, ?) RETURNING id", eckId(3));
				return one(u, "SELECT id FROM school.pupils WHERE eck_id = ?", eckId(3)).equals("3");
			});
		}

		// Binary format, both ways: the driver sends and asks for eckid in
		// binary when its OID is in binaryTransferEnable; prepareThreshold=-1
		// makes it use binary from the first execution.
		Properties binary = new Properties();
		binary.setProperty("binaryTransferEnable", oid);
		binary.setProperty("prepareThreshold", "-1");
		try (Connection b = connect(APP, binary)) {
			for (String name : new String[] {"eckid", "eckid.eckid", "\"eckid\".\"eckid\""})
				b.unwrap(PGConnection.class).addDataType(name, EckidObject.class);
			try (PreparedStatement ps = b.prepareStatement("INSERT INTO school.pupils (id, name, eck_id) VALUES (?, ?, ?)")) {
				ps.setInt(1, 2);
				ps.setString(2, "pupil 2");
				ps.setObject(3, EckidObject.of(eckId(2)));
				ps.executeUpdate();
			}
			check("binary bind parameter (PGBinaryObject, eckid_recv): the value reads back as text",
				() -> EckidObject.sentBinary && one(app, "SELECT eck_id::text FROM school.pupils WHERE id = 2").equals(eckId(2)));
			check("binary result (eckid_send): decoded by the PGBinaryObject", () -> {
				try (PreparedStatement ps = b.prepareStatement("SELECT eck_id FROM school.pupils WHERE id = ?")) {
					ps.setInt(1, 2);
					try (ResultSet r = ps.executeQuery()) {
						r.next();
						EckidObject o = (EckidObject) r.getObject(1);
						return o.fromBinary && o.segment.equals(SEGMENTS[2]) && o.getValue().equals(eckId(2));
					}
				}
			});
			byte[] badVersion = new byte[2 + 6 + 64];
			badVersion[0] = 2;
			badVersion[1] = 6;
			EckidObject bad = new EckidObject() {
				private static final long serialVersionUID = 1L;

				@Override
				public void toBytes(byte[] bytes, int offset) {
					System.arraycopy(badVersion, 0, bytes, offset, badVersion.length);
				}
			};
			bad.setValue(eckId(6));
			check("a binary value of an unknown format version fails with 22P03",
				() -> "22P03".equals(sqlstate(b, "SELECT ?", bad)));
		}

		// COPY with the driver's CopyManager.
		CopyManager copy = app.unwrap(PGConnection.class).getCopyAPI();
		StringBuilder in = new StringBuilder();
		for (int i = 4; i <= N; i++) in.append(i).append("\tpupil ").append(i).append("\t\\N\t").append(eckId(i)).append('\n');
		long copied = copy.copyIn("COPY school.pupils (id, name, bsn, eck_id) FROM STDIN", new StringReader(in.toString()));
		check("CopyManager.copyIn, COPY FROM STDIN: " + (N - 3) + " rows",
			() -> copied == N - 3 && one(app, "SELECT count(*) FROM school.pupils").equals("" + N));
		check("CopyManager.copyOut, COPY TO STDOUT: every value canonical, in order", () -> {
			StringWriter out = new StringWriter();
			copy.copyOut("COPY (SELECT id, eck_id FROM school.pupils ORDER BY id) TO STDOUT", out);
			StringBuilder want = new StringBuilder();
			for (int i = 1; i <= N; i++) want.append(i).append('\t').append(eckId(i)).append('\n');
			return out.toString().equals(want.toString());
		});
		check("a malformed value in COPY FROM STDIN fails with 22P02, and no row is added", () -> {
			try {
				copy.copyIn("COPY school.pupils (id, eck_id) FROM STDIN", new StringReader((N + 1) + "\thttps://ketenid.nl/201703/xyz\n"));
				return false;
			} catch (PSQLException e) {
				return e.getSQLState().equals("22P02") && one(app, "SELECT count(*) FROM school.pupils").equals("" + N);
			}
		});

		// Errors by SQLSTATE (docs/troubleshooting.md).
		String shortId = eckId(7).substring(0, eckId(7).length() - 1);
		check("a malformed value as a bind parameter fails with SQLSTATE 22P02", () ->
			"22P02".equals(sqlstate(app, "SELECT ?::eckid.eckid", shortId))
			&& lastError.getMessage().contains("invalid input syntax for type eckid"));
		check("whose message shows the hex digits only shortened to their last 6", () -> {
			String m = ((PSQLException) lastError).getServerErrorMessage().getMessage();
			return m.contains("…" + shortId.substring(shortId.length() - 6)) && !m.contains(shortId.substring(shortId.length() - 20));
		});
		check("eckid.stampseudonym() of an invalid HPgn fails with 22023, without quoting it", () ->
			"22023".equals(sqlstate(app, "SELECT eckid.stampseudonym(?)", "9735DFD2" + "0".repeat(56)))
			&& ((PSQLException) lastError).getServerErrorMessage().getMessage().equals("invalid HPgn"));

		// A masked view for the reporting role.
		st.execute("SELECT eckid.create_masked_view('school.pupils', 'pupils_report', '{bsn}')");
		st.execute("GRANT SELECT ON school.pupils_report TO " + REPORT);
		app.close();

		try (Connection report = connect(REPORT, new Properties())) {
			check("the reporting role reads the masked view: segment and the last 6 hex digits only", () -> {
				try (PreparedStatement ps = report.prepareStatement("SELECT * FROM school.pupils_report WHERE id = ?")) {
					ps.setInt(1, 5);
					try (ResultSet r = ps.executeQuery()) {
						r.next();
						String e = eckId(5);
						return r.getMetaData().getColumnCount() == 3 && r.getString("name").equals("pupil 5")
							&& r.getString("eck_id").equals("https://ketenid.nl/" + SEGMENTS[5 % 3] + "/…" + e.substring(e.length() - 6));
					}
				}
			});
			check("and copies it with CopyManager.copyOut, no 7 hex digits of an ECK iD in it", () -> {
				StringWriter out = new StringWriter();
				report.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT * FROM school.pupils_report ORDER BY id) TO STDOUT", out);
				String s = out.toString();
				return s.split("\n").length == N && !s.matches("(?s).*[0-9a-f]{7}\n.*") && s.contains("…");
			});
			check("but cannot read the table: 42501", () -> "42501".equals(sqlstate(report, "SELECT * FROM school.pupils")));
		}

		System.out.println("PgJDBC " + org.postgresql.util.DriverInfo.DRIVER_VERSION + ": " + passed + " passed, " + failed + " failed");
		System.exit(failed > 0 ? 1 : 0);
	}
}
