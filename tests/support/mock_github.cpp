namespace ghtraffic::testing {}
