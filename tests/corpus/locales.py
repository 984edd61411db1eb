"""Locales for the development corpus: languages, number formats, shop phrases.

Written for this corpus by hand. Each locale says how its shops write an amount (several
styles each, as real shops differ) and the phrases a product page uses. Used by
make_corpus.py only.
"""

import decimal

NNBSP = "\u202f"  # narrow no-break space (French, some CLDR-based shops)
NBSP = "\u00a0"


def group(digits, sep, indian=False):
    """'1234567' -> '1,234,567' (or Indian '12,34,567')."""
    if indian and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        parts = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        return sep.join(parts + [tail])
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


# A style: (template, group separator, needs whole amount, Indian grouping).
# {i} the grouped units, {d} the two-digit cents.
LOCALES = {
    "en_US": dict(lang="en-US", tld="com", cur="USD", mag=(5, 900), styles=[
        ("${i}.{d}", ",", False, False), ("${i}.{d} USD", ",", False, False),
        ("US ${i}.{d}", ",", False, False), ("$ {i}.{d}", ",", False, False)]),
    "en_GB": dict(lang="en-GB", tld="co.uk", cur="GBP", mag=(3, 900), styles=[
        ("£{i}.{d}", ",", False, False), ("£{i}", ",", True, False), ("GBP {i}.{d}", ",", False, False)]),
    "en_IN": dict(lang="en-IN", tld="in", cur="INR", mag=(199, 180000), whole=True, styles=[
        ("₹{i}.{d}", ",", False, True), ("Rs. {i}", ",", True, True), ("₹ {i}", ",", True, True),
        ("&#8377;{i}.00", ",", True, True)]),
    "de_DE": dict(lang="de-DE", tld="de", cur="EUR", mag=(3, 2500), styles=[
        ("{i},{d} €", ".", False, False), ("{i},{d} €*", ".", False, False),
        ("€ {i},{d}", ".", False, False), ("{i},– €", ".", True, False),
        ("EUR {i},{d}", ".", False, False), ("{i},{d}&nbsp;&euro;", ".", False, False)]),
    "de_CH": dict(lang="de-CH", tld="ch", cur="CHF", mag=(5, 3000), styles=[
        ("CHF {i}.–", "'", True, False), ("CHF {i}.{d}", "’", False, False),
        ("{i}.{d} CHF", "'", False, False), ("Fr. {i}.{d}", "'", False, False),
        ("CHF {i}.-", "'", True, False)]),
    "fr_FR": dict(lang="fr-FR", tld="fr", cur="EUR", mag=(3, 2500), styles=[
        ("{i},{d}" + NBSP + "€", NNBSP, False, False), ("{i},{d} €", NBSP, False, False),
        ("€ {i},{d}", NNBSP, False, False), ("{i},{d}&nbsp;€", "&#8239;", False, False),
        ("{i}€{d}", " ", False, False)]),
    "es_ES": dict(lang="es-ES", tld="es", cur="EUR", mag=(3, 2000), styles=[
        ("{i},{d} €", ".", False, False), ("{i},{d}€", ".", False, False),
        ("€{i},{d}", ".", False, False)]),
    "es_MX": dict(lang="es-MX", tld="com.mx", cur="MXN", mag=(99, 40000), styles=[
        ("${i}.{d}", ",", False, False), ("$ {i}.{d} MXN", ",", False, False), ("$ {i}", ",", True, False)]),
    "es_AR": dict(lang="es-AR", tld="com.ar", cur="ARS", mag=(900, 900000), whole=True, styles=[
        ("$ {i}", ".", True, False), ("${i},{d}", ".", False, False), ("$ {i},00", ".", True, False)]),
    "pt_BR": dict(lang="pt-BR", tld="com.br", cur="BRL", mag=(19, 9000), styles=[
        ("R$ {i},{d}", ".", False, False), ("R${i},{d}", ".", False, False),
        ("R$" + NBSP + "{i},{d}", ".", False, False)]),
    "it_IT": dict(lang="it-IT", tld="it", cur="EUR", mag=(3, 2500), styles=[
        ("€ {i},{d}", ".", False, False), ("{i},{d} €", ".", False, False),
        ("&euro;&nbsp;{i},{d}", ".", False, False), ("EUR {i},{d}", ".", False, False)]),
    "nl_NL": dict(lang="nl-NL", tld="nl", cur="EUR", mag=(3, 2500), styles=[
        ("€ {i},{d}", ".", False, False), ("€ {i},-", ".", True, False), ("€{i},{d}", ".", False, False)]),
    "pl_PL": dict(lang="pl-PL", tld="pl", cur="PLN", mag=(9, 9000), styles=[
        ("{i},{d} zł", " ", False, False), ("{i},{d} zł", NBSP, False, False),
        ("{i} zł", " ", True, False), ("{i},{d} PLN", " ", False, False)]),
    "sv_SE": dict(lang="sv-SE", tld="se", cur="SEK", mag=(49, 25000), whole=True, styles=[
        ("{i} kr", " ", True, False), ("{i},00 kr", NBSP, True, False), ("{i}:-", " ", True, False)]),
    "nb_NO": dict(lang="nb-NO", tld="no", cur="NOK", mag=(49, 25000), whole=True, styles=[
        ("kr {i},-", " ", True, False), ("{i},00 kr", NBSP, True, False), ("kr {i}", " ", True, False)]),
    "da_DK": dict(lang="da-DK", tld="dk", cur="DKK", mag=(29, 20000), styles=[
        ("{i},{d} kr.", ".", False, False), ("kr. {i},{d}", ".", False, False), ("{i} kr.", ".", True, False)]),
    "ja_JP": dict(lang="ja", tld="co.jp", cur="JPY", mag=(300, 300000), whole=True, styles=[
        ("¥{i}", ",", True, False), ("{i}円", ",", True, False), ("￥{i}", ",", True, False),
        ("{i}円(税込)", ",", True, False)]),
    "cs_CZ": dict(lang="cs-CZ", tld="cz", cur="CZK", mag=(99, 60000), whole=True, styles=[
        ("{i} Kč", NBSP, True, False), ("{i},00 Kč", " ", True, False), ("{i},- Kč", " ", True, False)]),
    "tr_TR": dict(lang="tr-TR", tld="com.tr", cur="TRY", mag=(49, 60000), styles=[
        ("{i},{d} TL", ".", False, False), ("₺{i},{d}", ".", False, False), ("{i},{d} ₺", ".", False, False)]),
}


def fmt(amount, loc, style=None, rng=None):
    """An amount as a shop in `loc` writes it; `style` picks one of the locale's styles."""
    styles = LOCALES[loc]["styles"]
    if style is None:
        style = rng.randrange(len(styles)) if rng else 0
    template, sep, whole_only, indian = styles[style % len(styles)]
    q = amount.quantize(decimal.Decimal("0.01"))
    units, cents = divmod(int(q * 100), 100)
    if whole_only and cents:
        # A whole-amount style ("CHF 1'299.–") cannot show cents: the shop uses its other style.
        with_cents = [s for s in styles if not s[2]]
        if not with_cents:
            raise ValueError(f"{loc} amount {amount} has cents")
        template, sep, whole_only, indian = with_cents[0]
    return template.format(i=group(str(units), sep, indian), d=f"{cents:02d}")


# Phrases per language: the words a product page needs.
WORDS = {
    "en": dict(cart="Add to cart", buy="Buy now", instock="In stock", oos="Out of stock",
               was="Was", rrp="RRP", listp="List Price:", related="You may also like",
               acc="Accessories", fbt="Frequently bought together", shipfree="Free shipping on orders over",
               tax="incl. VAT", gone="This product is no longer available", notify="Notify me when available",
               desc="Description", reviews="Customer reviews", save="You save", inst="or 4 interest-free payments of",
               onreq="Price on request", sku="SKU", deal="Deal of the day", qty="Quantity",
               recent="Recently viewed", bundle="Bundle and save", unit="per 100 g", cartsum="Cart", ship="Shipping"),
    "de": dict(cart="In den Warenkorb", buy="Jetzt kaufen", instock="Auf Lager", oos="Ausverkauft",
               was="statt", rrp="UVP", listp="Bisher:", related="Das könnte Ihnen auch gefallen",
               acc="Passendes Zubehör", fbt="Wird oft zusammen gekauft", shipfree="Versandkostenfrei ab",
               tax="inkl. MwSt. zzgl. Versand", gone="Dieser Artikel ist nicht mehr verfügbar",
               notify="Benachrichtigen, wenn verfügbar", desc="Beschreibung", reviews="Kundenbewertungen",
               save="Sie sparen", inst="oder in 3 Raten à", onreq="Preis auf Anfrage", sku="Art.-Nr.",
               deal="Angebot des Tages", qty="Menge", recent="Zuletzt angesehen", bundle="Im Set günstiger",
               unit="Grundpreis: pro 1 kg", cartsum="Warenkorb", ship="Versand"),
    "fr": dict(cart="Ajouter au panier", buy="Acheter maintenant", instock="En stock", oos="Rupture de stock",
               was="Au lieu de", rrp="Prix conseillé", listp="Prix de référence :", related="Vous aimerez aussi",
               acc="Accessoires", fbt="Souvent achetés ensemble", shipfree="Livraison offerte dès",
               tax="TTC", gone="Ce produit n'est plus disponible", notify="M'alerter du retour en stock",
               desc="Description", reviews="Avis clients", save="Économisez", inst="ou 4x sans frais de",
               onreq="Prix sur demande", sku="Réf.", deal="Offre du jour", qty="Quantité",
               recent="Vus récemment", bundle="Le lot", unit="prix au kg", cartsum="Panier", ship="Livraison"),
    "es": dict(cart="Añadir al carrito", buy="Comprar ahora", instock="En stock", oos="Agotado",
               was="Antes", rrp="PVP recomendado", listp="Precio anterior:", related="También te puede interesar",
               acc="Accesorios", fbt="Comprados juntos habitualmente", shipfree="Envío gratis a partir de",
               tax="IVA incluido", gone="Este producto ya no está disponible", notify="Avísame cuando esté disponible",
               desc="Descripción", reviews="Opiniones", save="Ahorras", inst="en 12 cuotas de",
               onreq="Precio a consultar", sku="Ref.", deal="Oferta del día", qty="Cantidad",
               recent="Vistos recientemente", bundle="Pack ahorro", unit="precio por kg", cartsum="Carrito", ship="Envío"),
    "pt": dict(cart="Adicionar ao carrinho", buy="Comprar", instock="Em estoque", oos="Esgotado",
               was="De", rrp="Preço sugerido", listp="De:", related="Quem viu, também comprou",
               acc="Acessórios", fbt="Compre junto", shipfree="Frete grátis acima de",
               tax="à vista", gone="Produto indisponível", notify="Avise-me quando chegar",
               desc="Descrição", reviews="Avaliações", save="Economize", inst="ou 10x de",
               onreq="Preço sob consulta", sku="Cód.", deal="Oferta do dia", qty="Quantidade",
               recent="Vistos recentemente", bundle="Kit", unit="preço por kg", cartsum="Carrinho", ship="Frete"),
    "it": dict(cart="Aggiungi al carrello", buy="Acquista ora", instock="Disponibile", oos="Esaurito",
               was="Prima era", rrp="Prezzo consigliato", listp="Prezzo di listino:", related="Potrebbe interessarti anche",
               acc="Accessori", fbt="Spesso comprati insieme", shipfree="Spedizione gratuita da",
               tax="IVA inclusa", gone="Prodotto non più disponibile", notify="Avvisami quando disponibile",
               desc="Descrizione", reviews="Recensioni", save="Risparmi", inst="o in 3 rate da",
               onreq="Prezzo su richiesta", sku="Cod.", deal="Offerta del giorno", qty="Quantità",
               recent="Visti di recente", bundle="Kit risparmio", unit="prezzo al kg", cartsum="Carrello", ship="Spedizione"),
    "nl": dict(cart="In winkelwagen", buy="Nu kopen", instock="Op voorraad", oos="Uitverkocht",
               was="Van", rrp="Adviesprijs", listp="Oude prijs:", related="Misschien ook interessant",
               acc="Accessoires", fbt="Vaak samen gekocht", shipfree="Gratis verzending vanaf",
               tax="incl. btw", gone="Dit product is niet meer leverbaar", notify="Mail mij bij voorraad",
               desc="Omschrijving", reviews="Reviews", save="Je bespaart", inst="of in 3 termijnen van",
               onreq="Prijs op aanvraag", sku="Artikelnr.", deal="Deal van de dag", qty="Aantal",
               recent="Laatst bekeken", bundle="Voordeelset", unit="prijs per kg", cartsum="Winkelwagen", ship="Verzending"),
    "pl": dict(cart="Dodaj do koszyka", buy="Kup teraz", instock="Dostępny", oos="Niedostępny",
               was="Cena regularna", rrp="Cena katalogowa", listp="Najniższa cena z 30 dni:", related="Podobne produkty",
               acc="Akcesoria", fbt="Często kupowane razem", shipfree="Darmowa dostawa od",
               tax="z VAT", gone="Produkt wycofany ze sprzedaży", notify="Powiadom o dostępności",
               desc="Opis", reviews="Opinie", save="Oszczędzasz", inst="lub 10 rat po",
               onreq="Cena na zapytanie", sku="Kod", deal="Okazja dnia", qty="Ilość",
               recent="Ostatnio oglądane", bundle="Zestaw", unit="cena za 1 kg", cartsum="Koszyk", ship="Dostawa"),
    "sv": dict(cart="Lägg i varukorgen", buy="Köp nu", instock="I lager", oos="Slut i lager",
               was="Ord. pris", rrp="Rek. pris", listp="Tidigare pris:", related="Du kanske också gillar",
               acc="Tillbehör", fbt="Köps ofta tillsammans", shipfree="Fri frakt över",
               tax="inkl. moms", gone="Produkten har utgått", notify="Bevaka produkten",
               desc="Beskrivning", reviews="Recensioner", save="Du sparar", inst="eller delbetala från",
               onreq="Pris på förfrågan", sku="Art.nr", deal="Dagens deal", qty="Antal",
               recent="Senast visade", bundle="Paketpris", unit="jmf-pris/kg", cartsum="Varukorg", ship="Frakt"),
    "nb": dict(cart="Legg i handlekurv", buy="Kjøp nå", instock="På lager", oos="Utsolgt",
               was="Før", rrp="Veil. pris", listp="Førpris:", related="Andre kjøpte også",
               acc="Tilbehør", fbt="Kjøpes ofte sammen", shipfree="Fri frakt over",
               tax="inkl. mva", gone="Produktet er utgått", notify="Varsle meg",
               desc="Beskrivelse", reviews="Anmeldelser", save="Du sparer", inst="eller fra",
               onreq="Pris på forespørsel", sku="Varenr.", deal="Dagens tilbud", qty="Antall",
               recent="Sist sett", bundle="Pakkepris", unit="kilopris", cartsum="Handlekurv", ship="Frakt"),
    "da": dict(cart="Læg i kurv", buy="Køb nu", instock="På lager", oos="Udsolgt",
               was="Før", rrp="Vejl. pris", listp="Normalpris:", related="Andre kiggede også på",
               acc="Tilbehør", fbt="Købes ofte sammen", shipfree="Fri fragt over",
               tax="inkl. moms", gone="Varen er udgået", notify="Giv mig besked",
               desc="Beskrivelse", reviews="Anmeldelser", save="Du sparer", inst="eller fra",
               onreq="Pris på forespørgsel", sku="Varenr.", deal="Dagens tilbud", qty="Antal",
               recent="Senest sete", bundle="Pakkepris", unit="kilopris", cartsum="Kurv", ship="Fragt"),
    "ja": dict(cart="カートに入れる", buy="今すぐ購入", instock="在庫あり", oos="在庫切れ",
               was="通常価格", rrp="メーカー希望小売価格", listp="参考価格:", related="この商品を見た人はこんな商品も見ています",
               acc="関連アクセサリー", fbt="よく一緒に購入されている商品", shipfree="送料無料ライン",
               tax="税込", gone="この商品は販売終了しました", notify="入荷お知らせメール",
               desc="商品説明", reviews="レビュー", save="割引", inst="分割払い 月々",
               onreq="価格はお問い合わせください", sku="商品番号", deal="本日のお買い得", qty="数量",
               recent="最近チェックした商品", bundle="セット割", unit="100gあたり", cartsum="カート", ship="送料"),
    "cs": dict(cart="Vložit do košíku", buy="Koupit", instock="Skladem", oos="Vyprodáno",
               was="Původní cena", rrp="Doporučená cena", listp="Běžná cena:", related="Podobné produkty",
               acc="Příslušenství", fbt="Často kupováno společně", shipfree="Doprava zdarma od",
               tax="vč. DPH", gone="Produkt se již neprodává", notify="Hlídat dostupnost",
               desc="Popis", reviews="Recenze", save="Ušetříte", inst="nebo na splátky od",
               onreq="Cena na dotaz", sku="Kód", deal="Akce dne", qty="Množství",
               recent="Naposledy prohlížené", bundle="Výhodný set", unit="cena za 1 kg", cartsum="Košík", ship="Doprava"),
    "tr": dict(cart="Sepete Ekle", buy="Hemen Al", instock="Stokta", oos="Tükendi",
               was="Eski fiyat", rrp="Liste fiyatı", listp="Piyasa fiyatı:", related="Benzer ürünler",
               acc="Aksesuarlar", fbt="Birlikte alınanlar", shipfree="Ücretsiz kargo",
               tax="KDV dahil", gone="Bu ürün artık satılmıyor", notify="Gelince haber ver",
               desc="Ürün açıklaması", reviews="Değerlendirmeler", save="Kazancınız", inst="9 taksit x",
               onreq="Fiyat sorunuz", sku="Ürün kodu", deal="Günün fırsatı", qty="Adet",
               recent="Son gezilenler", bundle="Set fiyatı", unit="kg fiyatı", cartsum="Sepet", ship="Kargo"),
}

# Product names per language: (main product, accessory/related names).
NAMES = {
    "en": ["Trailblazer 2 Hiking Boot", "Aurora Ceramic Table Lamp", "Vortex 1200 Stand Mixer",
           "Cedar Wool Throw Blanket", "Pulse ANC Wireless Headphones", "Alpine Down Jacket",
           "Harbor Cast Iron Skillet 28 cm", "Nimbus Ergonomic Office Chair", "Solace Memory Foam Pillow",
           "Quartz 14-inch Laptop Sleeve", "Meridian Smart Watch S3", "Copperline Espresso Machine"],
    "de": ["Akku-Bohrschrauber BS 18 Pro", "Kaffeevollautomat Barista Duo", "Winterjacke Nordkap",
           "Gartenlounge Set Lago", "Espressomaschine Classica", "Staubsauger Cyclon X4",
           "Trekkingrucksack Alpin 45 L", "Kochtopfset Edelstahl 5-teilig", "Stehleuchte Lumo"],
    "fr": ["Cafetière à piston Brasserie", "Veste imperméable Littoral", "Robot pâtissier Gourmet 5 L",
           "Lampe de chevet Opaline", "Sac à dos Randonnée 30 L", "Poêle en fonte Bistrot 26 cm",
           "Casque audio Sérénade", "Chaussures de trail Cime"],
    "es": ["Zapatillas de running Brisa", "Cafetera espresso Aroma", "Mochila urbana Sierra 22 L",
           "Lámpara de pie Nube", "Freidora de aire Crujiente 5 L", "Chaqueta impermeable Cumbre",
           "Sartén antiadherente Olivo 28 cm"],
    "pt": ["Liquidificador Turbo Power 1200W", "Tênis de corrida Veloz", "Fritadeira Air Fryer Crocante 4L",
           "Smartphone Galáxia A54 128GB", "Cafeteira Espresso Barista", "Mochila Trilha 35L"],
    "it": ["Macchina da caffè Moka Elettrica", "Giacca imbottita Dolomiti", "Zaino da trekking Vetta 40 L",
           "Lampada da tavolo Aurora", "Padella in ghisa Trattoria", "Scarpe da corsa Fulmine"],
    "nl": ["Stofzuiger Storm 3000", "Fietsjas Regenproof", "Koffiezetapparaat Bonenmaler",
           "Vloerlamp Dageraad", "Wandelschoen Heide GTX", "Pannenset Keuken 4-delig"],
    "pl": ["Ekspres do kawy Aromat Plus", "Kurtka zimowa Tatry", "Odkurzacz bezprzewodowy Wir 500",
           "Plecak turystyczny Szlak 40 L", "Lampa stojąca Zorza", "Buty trekkingowe Beskid"],
    "sv": ["Kaffebryggare Morgon 10 koppar", "Vinterjacka Fjäll", "Dammsugare Virvel Pro",
           "Golvlampa Skymning", "Vandringskänga Led GTX"],
    "nb": ["Kaffetrakter Frokost", "Dunjakke Vidda", "Støvsuger Storm 2", "Gulvlampe Nordlys",
           "Turstøvel Fjellet GTX"],
    "da": ["Kaffemaskine Morgenstund", "Regnjakke Klit", "Støvsuger Hvirvel", "Gulvlampe Skumring",
           "Vandrestøvle Hede"],
    "ja": ["ステンレス電気ケトル 1.0L", "低反発まくら プレミアム", "ワイヤレスイヤホン 静音モデル",
           "鋳鉄フライパン 26cm", "ダウンジャケット 軽量タイプ", "全自動コーヒーメーカー"],
    "cs": ["Kávovar Aroma Plus", "Zimní bunda Šumava", "Tyčový vysavač Vír 300", "Stojací lampa Úsvit"],
    "tr": ["Türk Kahvesi Makinesi Keyif", "Kışlık Mont Uludağ", "Dikey Süpürge Fırtına",
           "Yürüyüş Botu Kaçkar"],
}

ACCESSORIES = {
    "en": ["Replacement Filter 2-pack", "Carry Case", "Cleaning Kit", "Spare Battery", "Gift Wrap",
           "Extended Warranty 2 Years", "Charging Cable 1 m", "Felt Pads (set of 8)"],
    "de": ["Ersatzfilter 2er-Set", "Transporttasche", "Reinigungsset", "Ersatzakku 18 V",
           "Geschenkverpackung", "Garantieverlängerung 2 Jahre", "Entkalker 500 ml", "Bit-Set 32-teilig"],
    "fr": ["Filtre de rechange", "Housse de transport", "Kit d'entretien", "Batterie de rechange",
           "Emballage cadeau", "Extension de garantie"],
    "es": ["Filtro de repuesto", "Funda de transporte", "Kit de limpieza", "Batería de repuesto",
           "Envoltorio de regalo", "Garantía extendida"],
    "pt": ["Filtro de reposição", "Capa protetora", "Kit de limpeza", "Garantia estendida",
           "Película de vidro", "Carregador turbo"],
    "it": ["Filtro di ricambio", "Custodia", "Kit di pulizia", "Batteria di ricambio", "Garanzia estesa"],
    "nl": ["Vervangingsfilter", "Opbergtas", "Reinigingsset", "Reserveaccu", "Garantie-uitbreiding"],
    "pl": ["Filtr zapasowy", "Etui", "Zestaw czyszczący", "Akumulator zapasowy", "Przedłużona gwarancja"],
    "sv": ["Reservfilter", "Förvaringsväska", "Rengöringskit", "Extrabatteri"],
    "nb": ["Reservefilter", "Oppbevaringsveske", "Rengjøringssett", "Ekstra batteri"],
    "da": ["Reservefilter", "Opbevaringstaske", "Rengøringssæt", "Ekstra batteri"],
    "ja": ["交換用フィルター", "収納ケース", "お手入れセット", "予備バッテリー", "ギフトラッピング"],
    "cs": ["Náhradní filtr", "Pouzdro", "Čisticí sada", "Náhradní baterie"],
    "tr": ["Yedek filtre", "Taşıma çantası", "Temizlik seti", "Yedek batarya"],
}
