"""The words the dataset is made of: coops, kecamatan and villages of Kabupaten Lingga, names,
birth places, occupations by sector, phone prefixes and streets.

Data only, kept apart so that the code that draws from it stays short and the lists can be
read (and extended) on their own.
"""

BIG_COOPS = (
    ("kmp-sungai-lumpur", "KMP Sungai Lumpur (Koperasi Masyarakat Pesisir)", 2017),
    ("kud-dabo-singkep", "KUD Dabo Singkep", 2018),
    ("kopnel-senayang", "Koperasi Nelayan Senayang", 2019),
    ("ksu-daik-lingga", "KSU Bunda Tanah Melayu Daik", 2019),
    ("kopsyah-posek", "Koperasi Syariah Pulau Posek", 2020),
)

# Kecamatan of Kabupaten Lingga (NIK 21 04 xx) with villages in each.
KECAMATAN = (
    ("01", "Lingga", ("Daik", "Kelumu", "Merawang", "Panggak Darat", "Panggak Laut", "Mentuda")),
    ("02", "Senayang", ("Senayang", "Tanjung Kelit", "Mamut", "Baran", "Pulau Medang", "Rejai")),
    ("03", "Singkep", ("Dabo", "Dabo Lama", "Batu Berdaun", "Berindat", "Sungai Lumpur Dabo")),
    ("04", "Singkep Barat", ("Raya", "Jagoh", "Sungai Buluh", "Kuala Raya", "Bakong")),
    ("05", "Singkep Pesisir", ("Tanjung Irat", "Berhala", "Lanjut")),
    ("06", "Singkep Selatan", ("Resang", "Marok Tua", "Marok Kecil")),
    ("07", "Lingga Utara", ("Pancur", "Duara", "Limbung", "Teluk", "Bukit Harapan")),
    ("08", "Lingga Timur", ("Sungai Lumpur", "Kerandin", "Bukit Langkap", "Keton")),
    ("09", "Bakung Serumpun", ("Bakung", "Sungai Besar", "Tinjul")),
    ("10", "Selayar", ("Penuba", "Selayar", "Penuba Timur", "Pantai Harapan")),
    ("11", "Kepulauan Posek", ("Posek", "Suak Buaya", "Busung Panjang")),
    ("12", "Temiang Pesisir", ("Temiang", "Tanjung Lipat", "Kote")),
    ("13", "Katang Bidare", ("Sekanah", "Kuala Raya Bidare", "Tajur Biru")),
)
BIRTH_PLACES = (
    "Daik", "Dabo", "Senayang", "Sungai Lumpur", "Tanjungpinang", "Batam", "Pekanbaru",
    "Penuba", "Pancur", "Tembilahan", "Bengkalis", "Jambi", "Palembang", "Medan", "Padang",
)
MALE = (
    "Muhammad", "Ahmad", "Abdul", "Rahman", "Syamsul", "Hasan", "Zainal", "Rizki", "Fadli",
    "Hendra", "Budi", "Agus", "Dedi", "Andi", "Iwan", "Yusuf", "Ismail", "Azhar", "Firdaus",
    "Rudi", "Safrizal", "Herman", "Jumadi", "Khairul", "Amran", "Darmawan", "Effendi", "Hamdan",
    "Irwan", "Junaidi", "Kamaruddin", "Lukman", "Mahmud", "Nasir", "Rasyid", "Saiful", "Taufik",
    "Usman", "Wahyu", "Yahya", "Zulkifli", "Arif", "Bambang", "Chairul", "Dodi", "Eko", "Fauzi",
    "Gunawan", "Hendri", "Indra", "Jefri", "Ridwan", "Syahrul", "Tarmizi", "Raja", "Tengku",
    "Said", "Wan", "Awang", "Bujang", "Encik", "Daeng",
)
FEMALE = (
    "Siti", "Nur", "Nurhayati", "Aminah", "Fatimah", "Rohani", "Zubaidah", "Halimah", "Aisyah",
    "Khadijah", "Rahmawati", "Sri", "Wahyuni", "Dewi", "Lestari", "Yuliana", "Mariam",
    "Rosmawati", "Salmah", "Hasnah", "Jamilah", "Kartini", "Latifah", "Maimunah", "Nurul",
    "Puspita", "Ratna", "Suryani", "Titin", "Yanti", "Zainab", "Rina", "Ani", "Ernawati",
    "Fitri", "Hartini", "Indah", "Juliana", "Kasmawati", "Lina", "Murni", "Norma", "Rosnah",
    "Nur'aini", "Wan Azizah", "Tengku Mariam", "Dayang", "Intan", "Cik Puan",
)
FAMILY = (
    "Saputra", "Hidayat", "Pratama", "Kurniawan", "Setiawan", "Nasution", "Harahap", "Siregar",
    "Lubis", "Hasibuan", "Rahman", "Hamid", "Ibrahim", "Ismail", "Yusuf", "Abdullah",
    "Syahputra", "Wijaya", "Santoso", "Effendi", "Hasan", "Basri", "Bahri", "Ali", "Daud",
    "Sulaiman", "Zakaria", "Hanafi", "Manurung", "Lim", "Tan", "Ong", "Simanjuntak", "Husin",
    "Jamaluddin", "Mahmud", "Syarif", "Anwar", "Ramli", "Salim", "Idris", "Kadir", "Latif",
)
OCCUPATIONS = {
    "fishery": ("Nelayan", "Nelayan tangkap", "Nelayan bagan", "Pembudidaya ikan"),
    "agriculture": ("Petani", "Pekebun karet", "Petani sagu", "Pekebun kelapa"),
    "trade": ("Pedagang", "Pedagang ikan", "Pemilik warung", "Pedagang keliling"),
    "transport": ("Pengemudi ojek", "Pengemudi pompong", "Tukang becak motor", "Sopir"),
    "labour": ("Buruh harian lepas", "Buruh bangunan", "Buruh pelabuhan", "Tukang kayu"),
    "services": ("Tukang cukur", "Penjahit", "Montir", "Juru masak"),
    "other": ("Pengrajin", "Ibu rumah tangga", "Guru mengaji", "Pemandu wisata"),
}
SECTOR_WEIGHTS = (
    ("fishery", 35), ("agriculture", 20), ("trade", 15), ("transport", 10), ("labour", 10),
    ("services", 6), ("other", 4),
)
PHONE_PREFIXES = (
    "811", "812", "813", "821", "822", "823", "852", "853", "814", "815", "816", "855", "856",
    "857", "858", "817", "818", "819", "859", "877", "878", "895", "896", "897", "898", "899",
    "881", "882", "883", "831", "838",
)
STREETS = (
    "Jl. Pelabuhan", "Jl. Merdeka", "Jl. Hang Tuah", "Jl. Raja Muhammad Yusuf", "Jl. Pesisir",
    "Jl. Datuk Laksamana", "Jl. Bukit Cening", "Jl. Istana Damnah", "Gg. Nelayan", "Jl. Pasar",
)
